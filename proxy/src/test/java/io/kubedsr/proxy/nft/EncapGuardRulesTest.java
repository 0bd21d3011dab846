package io.kubedsr.proxy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;

class EncapGuardRulesTest {
    private static final EncapGuardRules.Input INPUT = new EncapGuardRules.Input(List.of(IpPrefix.parseAddress("192.168.1.2"),
            IpPrefix.parseAddress("fd00:1::2"), IpPrefix.parseAddress("192.168.1.1")), List.of(5555));

    @Test
    void dropsIpipIpv6InIpAndGueFromAnyoneButTheNodesInBothFamilies() {
        String text = EncapGuardRules.render(EncapGuardRules.NODE_TABLE, INPUT);
        assertThat(text).startsWith("add table inet kube-dsr-encap\ndelete table inet kube-dsr-encap\n")
                .contains("set nodes4 {\n    type ipv4_addr;\n    elements = { 192.168.1.1, 192.168.1.2 }\n  }")
                .contains("set nodes6 {\n    type ipv6_addr;\n    elements = { fd00:1::2 }\n  }")
                .contains("set gue-ports {\n    type inet_service;\n    elements = { 5555 }\n  }")
                .contains("type filter hook input priority filter; policy accept;")
                .contains("    meta l4proto { 4, 41 } ip saddr != @nodes4 counter drop\n")
                .contains("    meta l4proto { 4, 41 } ip6 saddr != @nodes6 counter drop\n")
                .contains("    udp dport @gue-ports ip saddr != @nodes4 counter drop\n")
                .contains("    udp dport @gue-ports ip6 saddr != @nodes6 counter drop\n");
    }

    @Test
    void theSameInputsGiveTheSameTextAndDigestWhateverTheirOrder() {
        String a = EncapGuardRules.render(EncapGuardRules.POD_TABLE, INPUT);
        String b = EncapGuardRules.render(EncapGuardRules.POD_TABLE, new EncapGuardRules.Input(
                List.of(IpPrefix.parseAddress("fd00:1::2"), IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("192.168.1.2")),
                List.of(5555, 5555)));
        assertThat(a).isEqualTo(b);
        assertThat(NftRules.digestOf(a)).startsWith("kube-dsr:");
        String other = EncapGuardRules.render(EncapGuardRules.POD_TABLE, new EncapGuardRules.Input(List.of(
                IpPrefix.parseAddress("192.168.1.1")), List.of()));
        assertThat(NftRules.digestOf(other)).isNotEqualTo(NftRules.digestOf(a));
        assertThat(other).contains("set gue-ports {\n    type inet_service;\n  }");
    }
}
