package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * The records that write out equals and hashCode (for speed in cold code) must keep a record's contract: equal
 * exactly when every component is equal, and equal values hash alike.
 */
class WrittenOutEqualityTest {
    private static final InetAddress A = IpPrefix.parseAddress("10.244.1.2");
    private static final InetAddress B = IpPrefix.parseAddress("10.244.1.3");

    @Test
    void realServersDifferInEveryComponent() {
        RealServer base = new RealServer(A, 80, Forwarding.MASQUERADE, 1, 0, 0);
        sameAndDifferent(base, new RealServer(IpPrefix.parseAddress("10.244.1.2"), 80, new Forwarding.Masquerade(), 1, 0, 0),
                List.of(new RealServer(B, 80, Forwarding.MASQUERADE, 1, 0, 0), new RealServer(A, 81, Forwarding.MASQUERADE, 1, 0, 0),
                        new RealServer(A, 80, Forwarding.ipip(), 1, 0, 0), new RealServer(A, 80, Forwarding.MASQUERADE, 2, 0, 0),
                        new RealServer(A, 80, Forwarding.MASQUERADE, 1, 5, 0), new RealServer(A, 80, Forwarding.MASQUERADE, 1, 0, 5)));
        sameAndDifferent(base.key(), new RealServerKey(A, 80), List.of(new RealServerKey(B, 80), new RealServerKey(A, 81)));
    }

    @Test
    void forwardingMethodsDifferByKindAndTunnelParameters() {
        sameAndDifferent(Forwarding.gue(5555), Forwarding.tunnel(TunnelType.GUE, 5555, TunnelChecksum.NOCSUM),
                List.of(Forwarding.gue(5556), Forwarding.tunnel(TunnelType.GUE, 5555, TunnelChecksum.CSUM), Forwarding.ipip(),
                        Forwarding.MASQUERADE, Forwarding.LOCAL, Forwarding.DIRECT_ROUTE, Forwarding.BYPASS));
        sameAndDifferent(Forwarding.MASQUERADE, new Forwarding.Masquerade(), List.of(Forwarding.LOCAL, Forwarding.BYPASS));
        sameAndDifferent(Forwarding.DIRECT_ROUTE, new Forwarding.DirectRoute(), List.of(Forwarding.BYPASS, Forwarding.LOCAL));
    }

    @Test
    void virtualServersAndKeysDifferInEveryComponent() {
        VirtualServerKey key = VirtualServerKey.of(A, Protocol.TCP, 80);
        sameAndDifferent(key, VirtualServerKey.of(IpPrefix.parseAddress("10.244.1.2"), Protocol.TCP, 80),
                List.of(VirtualServerKey.of(B, Protocol.TCP, 80), VirtualServerKey.of(A, Protocol.UDP, 80),
                        VirtualServerKey.of(A, Protocol.TCP, 81), VirtualServerKey.ofFwmark(AddressFamily.INET, 80)));
        sameAndDifferent(VirtualServerKey.ofFwmark(AddressFamily.INET, 7), VirtualServerKey.ofFwmark(AddressFamily.INET, 7),
                List.of(VirtualServerKey.ofFwmark(AddressFamily.INET6, 7), VirtualServerKey.ofFwmark(AddressFamily.INET, 8)));
        VirtualServer vs = new VirtualServer(key, Scheduler.RR, Set.of(ServiceFlag.PERSISTENT), 60, 32);
        sameAndDifferent(vs, new VirtualServer(key, Scheduler.parse("RR"), Set.of(ServiceFlag.PERSISTENT), 60, 32),
                List.of(new VirtualServer(VirtualServerKey.of(B, Protocol.TCP, 80), Scheduler.RR, Set.of(ServiceFlag.PERSISTENT), 60, 32),
                        new VirtualServer(key, Scheduler.WRR, Set.of(ServiceFlag.PERSISTENT), 60, 32),
                        new VirtualServer(key, Scheduler.RR, Set.of(), 60, 32),
                        new VirtualServer(key, Scheduler.RR, Set.of(ServiceFlag.PERSISTENT), 61, 32),
                        new VirtualServer(key, Scheduler.RR, Set.of(ServiceFlag.PERSISTENT), 60, 24)));
        sameAndDifferent(Scheduler.MH, new Scheduler("mh"), List.of(Scheduler.SH, new Scheduler("my_sched1")));
    }

    private static void sameAndDifferent(Object base, Object equalCopy, List<Object> others) {
        assertThat(equalCopy).isNotSameAs(base).isEqualTo(base).hasSameHashCodeAs(base);
        assertThat(base).isNotEqualTo(null).isNotEqualTo("not a record");
        for (Object other : others) {
            assertThat(other).as("%s vs %s", other, base).isNotEqualTo(base);
            assertThat(base).as("%s vs %s", base, other).isNotEqualTo(other);
        }
    }
}
