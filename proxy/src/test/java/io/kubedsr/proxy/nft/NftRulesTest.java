package io.kubedsr.proxy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.plan.SourceRanges;

class NftRulesTest {
    private static final List<VirtualServerKey> SERVICES = List.of(
            VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.10"), Protocol.TCP, 80),
            VirtualServerKey.of(IpPrefix.parseAddress("192.168.1.1"), Protocol.UDP, 30053),
            VirtualServerKey.of(IpPrefix.parseAddress("fd00:96::a"), Protocol.SCTP, 3868));
    /** The NodePort has externalTrafficPolicy Local: it keeps the client's address (never masqueraded). */
    private static final NftRules.Input INPUT = new NftRules.Input(SERVICES, List.of(SERVICES.get(1)),
            List.of(IpPrefix.parseAddress("10.96.0.10"), IpPrefix.parseAddress("fd00:96::a")),
            List.of(IpPrefix.parse("10.244.0.0/16")), List.of(IpPrefix.parseAddress("10.244.1.5")), false, false);

    @Test
    void rendersSetsMasqueradeHairpinAndTheFirewall() {
        String script = NftRules.render(INPUT);
        assertThat(script).startsWith("add table inet kube-dsr\ndelete table inet kube-dsr\ntable inet kube-dsr {\n  comment \"kube-dsr:");
        assertThat(NftRules.digestOf(script)).matches("kube-dsr:[0-9a-f]{24}");
        assertThat(script).contains("elements = { 10.96.0.10 . tcp . 80, 192.168.1.1 . udp . 30053 }")
                .contains("elements = { fd00:96::a . sctp . 3868 }")
                .contains("set keep4 {\n    type ipv4_addr . inet_proto . inet_service;\n    elements = { 192.168.1.1 . udp . 30053 }")
                .contains("set keep6 {\n    type ipv6_addr . inet_proto . inet_service;\n  }")
                .contains("ip daddr . meta l4proto . th dport @services4 ip daddr . meta l4proto . th dport != @keep4"
                        + " meta mark set meta mark | 0x00004000")
                .contains("meta mark & 0x00004000 == 0x00004000 ip saddr != @pods4 masquerade")
                .contains("meta mark & 0x00004000 == 0x00004000 ip saddr . ip daddr @hairpin4 masquerade")
                .contains("elements = { 10.244.1.5 . 10.244.1.5 }")
                .contains("ip daddr @vips4 ip daddr . meta l4proto . th dport != @services4 reject")
                .contains("ip daddr @vips4 meta l4proto icmp accept");
        // no IPv6 cluster CIDR: no IPv6 outside-traffic rule
        assertThat(script).doesNotContain("ip6 saddr != @pods6");
        assertThat(NftRules.render(INPUT)).isEqualTo(script);
    }

    @Test
    void masqueradeAllAndPermitAllChangeTheRules() {
        String script = NftRules.render(new NftRules.Input(INPUT.services(), List.of(), INPUT.vips(), List.of(), List.of(),
                true, true));
        assertThat(script).contains("meta mark & 0x00004000 == 0x00004000 meta nfproto ipv4 masquerade")
                .doesNotContain("saddr != @pods4").doesNotContain("chain input")
                .as("the VIPs are only needed by the firewall").doesNotContain("set vips4").doesNotContain("elements = { 10.96.0.10 }");
    }

    /** This host's kernel has nftables: the rendered table must load, replace itself and be deleted. */
    @Test
    @Tag("hostkernel")
    void theKernelAcceptsTheTableAndReplacesItAtomically() {
        try (TestNamespace ns = TestNamespace.create()) {
            NftTable table = new NftTable(ns.namespace());
            assertThat(table.apply(NftRules.render(INPUT))).isTrue();
            assertThat(table.apply(NftRules.render(INPUT))).as("unchanged: nft not run again").isFalse();
            assertThat(new NftTable(ns.namespace()).apply(NftRules.render(INPUT)))
                    .as("a restarted agent finds the same table by its digest and writes nothing").isFalse();
            String listed = ns.exec("nft", "list", "table", "inet", "kube-dsr");
            assertThat(listed).contains("10.96.0.10 . tcp . 80").contains("masquerade").contains("reject");
            List<VirtualServerKey> one = List.of(VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.11"), Protocol.TCP, 443));
            NftRules.Input fewer = new NftRules.Input(one, List.of(), List.of(), List.of(), List.of(), true, true);
            assertThat(table.apply(NftRules.render(fewer))).isTrue();
            listed = ns.exec("nft", "list", "table", "inet", "kube-dsr");
            assertThat(listed).contains("10.96.0.11 . tcp . 443").doesNotContain("10.96.0.10").doesNotContain("reject");
            table.delete();
            assertThat(ns.tryExecFails("nft", "list", "table", "inet", "kube-dsr")).isTrue();
        }
    }

    private static final List<DsrEntry> DSR = List.of(
            new DsrEntry((VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress("203.0.113.10"), Protocol.TCP, 80),
                    0x7b),
            new DsrEntry((VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress("203.0.113.53"), Protocol.UDP, 53),
                    0x3fff),
            new DsrEntry((VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress("2001:db8::10"), Protocol.TCP, 443),
                    0x7c));
    private static final NftRules.Input WITH_DSR = new NftRules.Input(SERVICES, List.of(), INPUT.vips(), INPUT.clusterCidr(),
            List.of(), false, true, DSR, 1500, List.of(5555, 6000), null);

    @Test
    void rendersDsrMarksTheGueLoopFixAndMssClampsPerFamilyForGue() {
        String script = NftRules.render(WITH_DSR);
        assertThat(script)
                .contains("map dsr4 {\n    type ipv4_addr . inet_proto . inet_service : mark;\n"
                        + "    elements = { 203.0.113.10 . tcp . 80 : 0x0000007b, 203.0.113.53 . udp . 53 : 0x00003fff }")
                .contains("elements = { 2001:db8::10 . tcp . 443 : 0x0000007c }")
                .contains("meta mark set ip daddr . meta l4proto . th dport map @dsr4")
                .contains("type route hook output priority mangle")
                .contains("udp dport @gue-ports meta mark & 0x00003fff != 0 meta mark set meta mark & 0xffffc000")
                .contains("elements = { 5555, 6000 }")
                // Receivers take GUE, so every DSR TCP service is clamped for it: 1500 - 20 (IP) - 20 (TCP) - 32 = 1428;
                // IPv6: 1500 - 40 - 20 - 52 = 1388.
                .contains("ip saddr . meta l4proto . th sport @dsr-tcp4 tcp flags & (syn | ack) == syn | ack "
                        + "tcp option maxseg size > 1428 tcp option maxseg size set 1428")
                .contains("ip6 saddr . meta l4proto . th sport @dsr-tcp6 tcp flags & (syn | ack) == syn | ack "
                        + "tcp option maxseg size > 1388 tcp option maxseg size set 1388")
                .contains("set dsr-tcp4 {\n    type ipv4_addr . inet_proto . inet_service;\n    elements = { 203.0.113.10 . tcp . 80 }\n  }")
                .as("UDP services need no MSS clamp");
    }

    /** Receivers without a GUE port (none configured) take IPIP only: the clamp is IPIP's, 1500 - 20 - 20 - 20. */
    @Test
    void withoutGuePortsTheClampIsIpips() {
        NftRules.Input ipipOnly = new NftRules.Input(SERVICES, List.of(), INPUT.vips(), INPUT.clusterCidr(), List.of(), false, true,
                DSR, 1500, List.of(), null);
        assertThat(NftRules.render(ipipOnly)).contains("tcp option maxseg size set 1440").doesNotContain("1428");
    }

    /**
     * With an overlay, the director's packet to a pod on another node may cross a GUE tunnel link too (MTU 1468 on
     * 1500; an ip6tnl link with GUE 1440): 1500 - 32 - 20 - 20 - 32 = 1396, IPv6 1500 - 60 - 40 - 20 - 52 = 1328.
     */
    @Test
    void withAnOverlayTheClampLeavesRoomForAGueTunnelOnTheWay() {
        NftRules.Input overlay = new NftRules.Input(SERVICES, List.of(), INPUT.vips(), INPUT.clusterCidr(), List.of(), false, true,
                DSR, 1500, List.of(5555), Encapsulation.gue(5555));
        assertThat(NftRules.render(overlay)).contains("@dsr-tcp4 tcp flags & (syn | ack) == syn | ack tcp option maxseg size > 1396 "
                + "tcp option maxseg size set 1396").contains("tcp option maxseg size set 1328");
    }

    @Test
    void guePortsAreReadFromASetListing() {
        assertThat(NftRules.guePortsOf("table inet kube-dsr {\n\tset gue-ports {\n\t\ttype inet_service\n"
                + "\t\telements = { 5555, 6000 }\n\t}\n}")).containsExactly(5555, 6000);
        assertThat(NftRules.guePortsOf("table inet kube-dsr {\n\tset gue-ports {\n\t\ttype inet_service\n\t}\n}")).isEmpty();
    }

    /** A restarted agent learns from the kernel which GUE ports the agent before it took (a port moved away from). */
    @Test
    @Tag("hostkernel")
    void guePortsAreReadBackFromTheKernel() {
        try (TestNamespace ns = TestNamespace.create()) {
            NftTable table = new NftTable(ns.namespace());
            assertThat(table.guePorts()).as("no table").isEmpty();
            table.apply(NftRules.render(WITH_DSR));
            assertThat(new NftTable(ns.namespace()).guePorts()).containsExactly(5555, 6000);
        }
    }

    /**
     * Where /etc/protocols is missing (the agent's minimal image has no netbase), nft lists the protocol by number:
     * the marks are read all the same.
     */
    @Test
    void dsrMarksAreReadWithTheProtocolByNumber() {
        String listed = """
                table inet kube-dsr {
                	map dsr4 {
                		type ipv4_addr . inet_proto . inet_service : mark
                		elements = { 198.51.100.10 . 6 . 8080 : 0x000017ef, 198.51.100.11 . 17 . 53 : 0x00000945,
                			     198.51.100.12 . 132 . 9 : 0x00000946, 198.51.100.13 . 1 . 0 : 0x00000947 }
                	}
                }""";
        assertThat(NftRules.marksOf(listed)).as("ICMP (1) is no service of ours").containsOnly(
                java.util.Map.entry(key("198.51.100.10", Protocol.TCP, 8080), 0x17ef),
                java.util.Map.entry(key("198.51.100.11", Protocol.UDP, 53), 0x945),
                java.util.Map.entry(key("198.51.100.12", Protocol.SCTP, 9), 0x946));
    }

    /** The marks a restarted agent recovers are read back from what the kernel lists, not from our own text. */
    @Test
    @Tag("hostkernel")
    void dsrMarksAreReadBackFromTheKernelsListing() {
        try (TestNamespace ns = TestNamespace.create()) {
            NftTable table = new NftTable(ns.namespace());
            assertThat(table.dsrMapListing()).isNull();
            table.apply(NftRules.render(WITH_DSR));
            String listed = table.dsrMapListing();
            assertThat(listed).as("only the maps, not the service sets").doesNotContain("10.96.0.10 . tcp . 80");
            assertThat(NftRules.marksOf(listed)).containsOnly(
                    java.util.Map.entry(DSR.get(0).service(), 0x7b), java.util.Map.entry(DSR.get(1).service(), 0x3fff),
                    java.util.Map.entry(DSR.get(2).service(), 0x7c));
        }
    }

    private static VirtualServerKey.ByAddress key(String address, Protocol protocol, int port) {
        return (VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress(address), protocol, port);
    }

    /** An IPv4 LoadBalancer IP open to two ranges (one nested in the other) and itself, an IPv6 one closed to all. */
    private static final List<ServiceTable.Firewalled> FIREWALLED = List.of(
            new ServiceTable.Firewalled(key("203.0.113.7", Protocol.TCP, 443), new SourceRanges(List.of(
                    IpPrefix.parse("192.168.0.0/16"), IpPrefix.parse("192.168.1.0/24"), IpPrefix.parse("203.0.113.7/32")))),
            new ServiceTable.Firewalled(key("2001:db8:b::7", Protocol.TCP, 443), new SourceRanges(List.of())));
    private static final List<ServiceTable.ShortCircuited> SHORT = List.of(
            new ServiceTable.ShortCircuited(key("192.168.1.1", Protocol.TCP, 30943), 0x4001),
            new ServiceTable.ShortCircuited(key("203.0.113.9", Protocol.TCP, 443), 0x4001),
            new ServiceTable.ShortCircuited(key("fd00:1::1", Protocol.TCP, 30943), 0x7fff));
    private static final NftRules.Input WITH_RANGES_AND_SHORT_CIRCUITS = new NftRules.Input(SERVICES, List.of(), INPUT.vips(),
            INPUT.clusterCidr(), List.of(), false, true, List.of(), 1500, List.of(), null, FIREWALLED, SHORT);

    @Test
    void rendersSourceRangesAsSetsWithoutNestedRangesAndShortCircuitsAsMaps() {
        String script = NftRules.render(WITH_RANGES_AND_SHORT_CIRCUITS);
        assertThat(script)
                .contains("set firewall4 {\n    type ipv4_addr . inet_proto . inet_service;\n    elements = { 203.0.113.7 . tcp . 443 }")
                .contains("set firewall6 {\n    type ipv6_addr . inet_proto . inet_service;\n    elements = { 2001:db8:b::7 . tcp . 443 }")
                .as("192.168.1.0/24 lies in 192.168.0.0/16: left out, the kernel would refuse the overlap")
                .contains("set allowed4 {\n    type ipv4_addr . inet_proto . inet_service . ipv4_addr;\n    flags interval;\n"
                        + "    elements = { 203.0.113.7 . tcp . 443 . 192.168.0.0/16, 203.0.113.7 . tcp . 443 . 203.0.113.7/32 }")
                .as("closed to all: in firewall6, nothing in allowed6")
                .contains("set allowed6 {\n    type ipv6_addr . inet_proto . inet_service . ipv6_addr;\n    flags interval;\n  }")
                .contains("ip daddr . meta l4proto . th dport @firewall4 ip daddr . meta l4proto . th dport . ip saddr != @allowed4 drop")
                .contains("ip6 daddr . meta l4proto . th dport @firewall6 ip6 daddr . meta l4proto . th dport . ip6 saddr != @allowed6 drop")
                .contains("map short4 {\n    type ipv4_addr . inet_proto . inet_service : mark;\n"
                        + "    elements = { 192.168.1.1 . tcp . 30943 : 0x00004001, 203.0.113.9 . tcp . 443 : 0x00004001 }")
                .contains("elements = { fd00:1::1 . tcp . 30943 : 0x00007fff }")
                .contains("ip saddr @pods4 meta mark set ip daddr . meta l4proto . th dport map @short4")
                .contains("ip6 saddr @pods6 meta mark set ip6 daddr . meta l4proto . th dport map @short6");
        String output = script.substring(script.indexOf("chain dsr-output"), script.indexOf("chain dsr-forward"));
        assertThat(output).as("the node's own traffic, in the route chain").contains("meta mark set ip daddr . meta l4proto . th dport map @short4");
        String prerouting = script.substring(script.indexOf("chain mark-prerouting"), script.indexOf("chain mark-output"));
        assertThat(prerouting.indexOf("@firewall4")).as("source ranges first").isLessThan(prerouting.indexOf("@services4"));
        assertThat(prerouting.indexOf("map @short4")).as("short circuits after DSR marks").isGreaterThan(prerouting.indexOf("map @dsr4"));
        assertThat(NftRules.disjoint(List.of(IpPrefix.parse("10.1.0.0/16"), IpPrefix.parse("10.0.0.0/8"), IpPrefix.parse("10.0.0.0/8"),
                IpPrefix.parse("172.16.0.0/12")))).containsExactly(IpPrefix.parse("10.0.0.0/8"), IpPrefix.parse("172.16.0.0/12"));
    }

    /** The kernel takes the concatenated-interval sets and the short-circuit maps, and the maps are read back. */
    @Test
    @Tag("hostkernel")
    void theKernelAcceptsSourceRangesAndShortCircuitsAndTheirMarksAreReadBack() {
        try (TestNamespace ns = TestNamespace.create()) {
            NftTable table = new NftTable(ns.namespace());
            assertThat(table.shortCircuitMarks()).isEmpty();
            table.apply(NftRules.render(WITH_RANGES_AND_SHORT_CIRCUITS));
            String listed = ns.exec("nft", "list", "table", "inet", "kube-dsr");
            assertThat(listed).contains("203.0.113.7 . tcp . 443 . 192.168.0.0/16").contains("203.0.113.7 . tcp . 443 . 203.0.113.7");
            assertThat(new NftTable(ns.namespace()).shortCircuitMarks()).containsOnly(
                    java.util.Map.entry(SHORT.get(0).service(), 0x4001), java.util.Map.entry(SHORT.get(1).service(), 0x4001),
                    java.util.Map.entry(SHORT.get(2).service(), 0x7fff));
            assertThat(new NftTable(ns.namespace()).dsrMarks()).as("the DSR maps are other maps").isEmpty();
        }
    }
}
