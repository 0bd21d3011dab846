package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.IpPrefix;

class IpvsValuesTest {

    @Test
    void schedulersParseCaseInsensitivelyAndUnknownOnesAreRefused() {
        assertThat(Scheduler.parse("MH")).isEqualTo(Scheduler.MH);
        assertThat(Scheduler.KNOWN).hasSize(13);
        assertThatThrownBy(() -> Scheduler.parse("fastest")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown IPVS scheduler 'fastest'");
    }

    @Test
    void errnoAndCommandClassifyIpvsErrors() {
        assertThat(IpvsException.classify(Errno.ESRCH, true)).isEqualTo(IpvsException.Reason.VIRTUAL_SERVER_NOT_FOUND);
        assertThat(IpvsException.classify(Errno.ENOENT, true)).isEqualTo(IpvsException.Reason.REAL_SERVER_NOT_FOUND);
        assertThat(IpvsException.classify(Errno.ENOENT, false)).isEqualTo(IpvsException.Reason.SCHEDULER_NOT_FOUND);
        assertThat(IpvsException.classify(Errno.EEXIST, false)).isEqualTo(IpvsException.Reason.ALREADY_EXISTS);
        assertThat(IpvsException.classify(Errno.EINVAL, false)).isEqualTo(IpvsException.Reason.OTHER);
    }

    @Test
    void invalidValuesAreRefusedBeforeReachingTheKernel() {
        // IP_VS_SCHEDNAME_MAXLEN 16 with the NUL: at most 15 characters of [a-z0-9_]
        assertThat(new Scheduler("abcdefghij_1234").name()).hasSize(15);
        for (String bad : new String[] {"", "abcdefghij_12345", "RR", "r-r", "rr ", "wlcé"}) {
            assertThatThrownBy(() -> new Scheduler(bad)).as(bad).hasMessageContaining("invalid scheduler name");
        }
        assertThatThrownBy(() -> new Scheduler(null)).hasMessageContaining("invalid scheduler name");
        assertThatThrownBy(() -> Forwarding.tunnel(TunnelType.GUE, 0, TunnelChecksum.NOCSUM))
                .hasMessageContaining("GUE tunnel needs a port");
        assertThatThrownBy(() -> Forwarding.tunnel(TunnelType.IPIP, 5555, TunnelChecksum.NOCSUM))
                .hasMessageContaining("no port");
        assertThatThrownBy(() -> VirtualServerKey.ofFwmark(AddressFamily.INET, 0)).hasMessageContaining("fwmark 0");
        assertThatThrownBy(() -> new VirtualServer(VirtualServerKey.of(IpPrefix.parseAddress("10.0.0.1"), Protocol.TCP, 80),
                Scheduler.RR, java.util.Set.of(), 0, 33)).hasMessageContaining("netmask");
        assertThatThrownBy(() -> VirtualServerKey.of(IpPrefix.parseAddress("10.0.0.1"), Protocol.TCP, 70000))
                .hasMessageContaining("port");
    }

    @Test
    void netmasksConvertBothWays() {
        for (int p = 1; p <= 32; p++) {
            assertThat(IpvsDecoders.maskToPrefix(IpvsRequests.prefixToMask(p))).isEqualTo(p);
        }
    }
}
