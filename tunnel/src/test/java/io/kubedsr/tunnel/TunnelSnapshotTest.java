package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.TunnelEncap;

/** The full sync's view of the links and GUE ports: read once, kept current with what the sync writes. */
class TunnelSnapshotTest {
    private static final InetAddress LOCAL = IpPrefix.parseAddress("192.168.1.1");

    private static Link tunnel(int index, String peer) {
        InetAddress remote = IpPrefix.parseAddress(peer);
        return new Link(index, TunnelNames.forPeer(remote), 0, 1480, 0, new byte[0],
                LinkKind.IpTunnel.ipip(LOCAL, remote, 225, TunnelEncap.NONE));
    }

    @Test
    void linksComeFromTheDumpAndWhatTheSyncWrote() {
        Link ours = tunnel(5, "192.168.1.2");
        Link other = new Link(2, "eth0", 0, 1500, 0, new byte[0], new LinkKind.Bridge());
        TunnelSnapshot s = new TunnelSnapshot(List.of(ours, other), List::of);
        assertThat(s.link(ours.name())).contains(ours);
        assertThat(s.ours()).containsExactly(ours);

        Link created = tunnel(9, "192.168.1.3");
        s.created(Set.of(created.name()), List.of(ours, other, created));
        assertThat(s.link(created.name())).contains(created);
        assertThat(s.wasCreated(created.name())).isTrue();
        assertThat(s.wasCreated(ours.name())).isFalse();
        assertThat(s.ours()).containsExactlyInAnyOrder(ours, created);
    }

    @Test
    void thePortsAreDumpedOnceAndFollowTheWrites() {
        AtomicInteger dumps = new AtomicInteger();
        FouPort open = new FouPort(AddressFamily.INET, 5555);
        TunnelSnapshot s = new TunnelSnapshot(List.of(), () -> {
            dumps.incrementAndGet();
            return List.of(open);
        });
        assertThat(dumps).hasValue(0);
        assertThat(s.ports()).containsExactly(open);
        FouPort added = new FouPort(AddressFamily.INET, 6666);
        s.opened(added);
        s.closed(open);
        assertThat(s.ports()).containsExactly(added);
        assertThat(dumps).hasValue(1);
    }
}
