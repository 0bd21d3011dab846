package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.TunnelEncap;

class TunnelSpecTest {

    @Test
    void ipv4SpecsBecomeIpipLinksAndIpv6SpecsIp6tnl() {
        TunnelSpec v4 = TunnelSpec.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("192.168.2.1"),
                Encapsulation.gue(5555));
        assertThat(v4.linkKind()).isEqualTo(LinkKind.IpTunnel.ipip(IpPrefix.parseAddress("192.168.1.1"),
                IpPrefix.parseAddress("192.168.2.1"), 225, TunnelEncap.gue(5555)));
        assertThat(v4.linkKind().kind()).isEqualTo("ipip");
        TunnelSpec v6 = TunnelSpec.of(IpPrefix.parseAddress("fd00::1"), IpPrefix.parseAddress("fd00::2"), Encapsulation.IPIP);
        assertThat(v6.family()).isEqualTo(AddressFamily.INET6);
        assertThat(v6.linkKind().kind()).isEqualTo("ip6tnl");
        assertThat(v6.linkName()).hasSize(15);
    }

    @Test
    void badInputGivesAClearError() {
        assertThatThrownBy(() -> Encapsulation.gue(80)).hasMessage("GUE port 80 outside 1024..65535");
        assertThatThrownBy(() -> Encapsulation.gue(70000)).hasMessage("GUE port 70000 outside 1024..65535");
        assertThatThrownBy(() -> TunnelSpec.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("fd00::2"),
                Encapsulation.IPIP)).hasMessageContaining("no local address of the peer's family");
        assertThatThrownBy(() -> new TunnelSpec(IpPrefix.parseAddress("10.0.0.1"), IpPrefix.parseAddress("10.0.0.2"),
                Encapsulation.IPIP, 0)).hasMessageContaining("ttl 0");
        assertThatThrownBy(() -> TunnelSpec.of(IpPrefix.parseAddress("10.0.0.1"), IpPrefix.parseAddress("10.0.0.1"),
                Encapsulation.IPIP)).hasMessageContaining("itself");
        assertThatThrownBy(() -> Encapsulation.parse("vxlan", 5555)).hasMessageContaining("unknown encapsulation 'vxlan'");
        assertThatThrownBy(() -> TunnelNames.checkLength("kube-tunnel-if-x")).hasMessageContaining("longer than 15");
    }

    @Test
    void kubeRoutersFouNameMeansGue() {
        assertThat(Encapsulation.parse("fou", 6000)).isEqualTo(Encapsulation.gue(6000));
        assertThat(Encapsulation.parse("IPIP", 6000)).isEqualTo(Encapsulation.IPIP);
    }

    @Test
    void overheadPerFamilyAndEncapsulationFollowsTheHeaders() {
        assertThat(Encapsulation.IPIP.overhead(false)).isEqualTo(20);
        assertThat(Encapsulation.IPIP.overhead(true)).isEqualTo(40);
        assertThat(Encapsulation.gue(5555).overhead(false)).isEqualTo(32);
        assertThat(Encapsulation.gue(5555).overhead(true)).isEqualTo(52);
    }
}
