package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.TunnelEncap;

/** Which differences the kernel changes on a live tunnel link, and the MTU a changed link gets (the kernel's part is in the VM). */
class TunnelLinksTest {
    private static final InetAddress LOCAL = IpPrefix.parseAddress("192.168.1.1");
    private static final InetAddress PEER = IpPrefix.parseAddress("192.168.1.2");

    private static LinkKind.IpTunnel ipip(InetAddress local, InetAddress remote, TunnelEncap encap) {
        return LinkKind.IpTunnel.ipip(local, remote, 225, encap);
    }

    private static Link link(LinkKind.IpTunnel kind, int mtu) {
        return new Link(7, "tun-c0a80102", 0, mtu, 0, new byte[0], kind);
    }

    @Test
    void encapsulationPortLocalAddressAndTtlChangeInPlace() {
        LinkKind.IpTunnel have = ipip(LOCAL, PEER, TunnelEncap.NONE);
        assertThat(TunnelLinks.changesInPlace(have, ipip(LOCAL, PEER, TunnelEncap.gue(5555)))).isTrue();
        assertThat(TunnelLinks.changesInPlace(ipip(LOCAL, PEER, TunnelEncap.gue(5555)), ipip(LOCAL, PEER, TunnelEncap.gue(6666)))).isTrue();
        assertThat(TunnelLinks.changesInPlace(have, ipip(IpPrefix.parseAddress("192.168.1.11"), PEER, TunnelEncap.NONE))).isTrue();
        assertThat(TunnelLinks.changesInPlace(have, LinkKind.IpTunnel.ipip(LOCAL, PEER, 64, TunnelEncap.NONE))).isTrue();
        // A receiver (no remote) changes its encapsulation in place too.
        assertThat(TunnelLinks.changesInPlace(ipip(LOCAL, null, TunnelEncap.NONE), ipip(LOCAL, null, TunnelEncap.gue(5555)))).isTrue();
    }

    @Test
    void anotherRemoteFamilyOrModeIsCreatedAgain() {
        LinkKind.IpTunnel have = ipip(LOCAL, PEER, TunnelEncap.NONE);
        assertThat(TunnelLinks.changesInPlace(have, ipip(LOCAL, IpPrefix.parseAddress("192.168.1.3"), TunnelEncap.NONE))).isFalse();
        assertThat(TunnelLinks.changesInPlace(have, ipip(LOCAL, null, TunnelEncap.NONE))).as("point-to-point to any").isFalse();
        assertThat(TunnelLinks.changesInPlace(have, new LinkKind.IpTunnel(AddressFamily.INET, LOCAL, PEER, 225, true, TunnelEncap.NONE)))
                .as("collect-metadata mode").isFalse();
        assertThat(TunnelLinks.changesInPlace(have, LinkKind.IpTunnel.ip6ip6(IpPrefix.parseAddress("fd00::1"),
                IpPrefix.parseAddress("fd00::2"), 225, TunnelEncap.NONE))).isFalse();
    }

    @Test
    void theMtuMovesByWhatTheEncapsulationAdds() {
        LinkKind.IpTunnel none = ipip(LOCAL, PEER, TunnelEncap.NONE);
        LinkKind.IpTunnel gue = ipip(LOCAL, PEER, TunnelEncap.gue(5555));
        assertThat(TunnelLinks.mtuAfter(link(none, 1480), none, gue)).as("GUE: 12 bytes of UDP and GUE header").isEqualTo(1468);
        assertThat(TunnelLinks.mtuAfter(link(gue, 1468), gue, none)).isEqualTo(1480);
        assertThat(TunnelLinks.mtuAfter(link(gue, 1468), gue, ipip(LOCAL, PEER, TunnelEncap.gue(6666)))).as("same size: untouched")
                .isZero();
        assertThat(TunnelLinks.mtuAfter(link(none, 8980), none, gue)).as("jumbo underlay").isEqualTo(8968);
        TunnelEncap remcsum = new TunnelEncap(TunnelEncap.Type.GUE, TunnelEncap.FLAG_REMCSUM, 0, 5555);
        assertThat(TunnelLinks.mtuAfter(link(none, 1480), none, ipip(LOCAL, PEER, remcsum))).as("GUE with remote checksum offload")
                .isEqualTo(1460);
    }
}
