package io.kubedsr.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Hex;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkRequest;

/** Golden bytes of every rtnetlink request kind, little-endian host. Sequence and port id are zero until sent. */
class RtnlRequestsGoldenTest {

    private static void assertGolden(NetlinkRequest r, String listing) {
        assertThat(Hex.dump(r.bytes())).isEqualTo(Hex.dump(Hex.golden(listing)));
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void addDummyLink() {
        assertGolden(RtnlRequests.addLink("kube-dummy-if", new LinkKind.Dummy(), 0), """
                44000000 1000 0106 00000000 00000000  # len 68, RTM_NEWLINK, REQUEST|EXCL|CREATE, seq, pid
                00 00 0000 00000000 00000000 00000000 # ifinfomsg: family, pad, type, index, flags, change
                1200 0300 6b7562652d64756d6d792d69 66000000 # IFLA_IFNAME "kube-dummy-if" NUL, padding
                1000 1280                              # IFLA_LINKINFO (nested), len 16
                0a00 0100 64756d6d 79000000            #   IFLA_INFO_KIND "dummy"
                """);
    }

    @Test
    void addVethPairNamesThePeerInsideInfoData() {
        assertGolden(RtnlRequests.addLink("v0", new LinkKind.Veth("v1"), 0), """
                58000000 1000 0106 00000000 00000000  # len 88, RTM_NEWLINK, REQUEST|EXCL|CREATE
                00 00 0000 00000000 00000000 00000000 # ifinfomsg
                0700 0300 76300000                     # IFLA_IFNAME "v0"
                3000 1280                              # IFLA_LINKINFO, len 48
                0900 0100 76657468 00000000            #   IFLA_INFO_KIND "veth"
                2000 0280                              #   IFLA_INFO_DATA, len 32
                1c00 0180                              #     VETH_INFO_PEER, len 28
                00 00 0000 00000000 00000000 00000000  #       the peer's ifinfomsg
                0700 0300 76310000                     #       IFLA_IFNAME "v1"
                """);
    }

    @Test
    void addBridgeWithMtu() {
        assertGolden(RtnlRequests.addLink("br0", new LinkKind.Bridge(), 1400), """
                40000000 1000 0106 00000000 00000000  # len 64, RTM_NEWLINK, REQUEST|EXCL|CREATE
                00 00 0000 00000000 00000000 00000000 # ifinfomsg
                0800 0300 62723000                     # IFLA_IFNAME "br0"
                0800 0400 78050000                     # IFLA_MTU 1400
                1000 1280                              # IFLA_LINKINFO, len 16
                0b00 0100 62726964 67650000            #   IFLA_INFO_KIND "bridge"
                """);
    }

    @Test
    void addIpipLinkWithGueEncapsulation() {
        LinkKind kind = LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.gue(5555));
        assertGolden(RtnlRequests.addLink("tun0", kind, 0), """
                80000000 1000 0106 00000000 00000000  # len 128, RTM_NEWLINK, REQUEST|EXCL|CREATE
                00 00 0000 00000000 00000000 00000000 # ifinfomsg
                0900 0300 74756e30 00000000            # IFLA_IFNAME "tun0"
                5400 1280                              # IFLA_LINKINFO, len 84
                0900 0100 69706970 00000000            #   IFLA_INFO_KIND "ipip"
                4400 0280                              #   IFLA_INFO_DATA, len 68
                0800 0200 0a000001                     #     IFLA_IPTUN_LOCAL 10.0.0.1
                0800 0300 0a000002                     #     IFLA_IPTUN_REMOTE 10.0.0.2
                0500 0400 e1000000                     #     IFLA_IPTUN_TTL 225
                0500 0a00 01000000                     #     IFLA_IPTUN_PMTUDISC 1
                0600 0f00 0200 0000                    #     IFLA_IPTUN_ENCAP_TYPE TUNNEL_ENCAP_GUE
                0600 1000 0000 0000                    #     IFLA_IPTUN_ENCAP_FLAGS none
                0600 1100 0000 0000                    #     IFLA_IPTUN_ENCAP_SPORT 0 (auto), big-endian
                0600 1200 15b3 0000                    #     IFLA_IPTUN_ENCAP_DPORT 5555, big-endian
                """);
    }

    @Test
    void changeIpipLinkInPlaceToGueWithItsNewMtu() {
        LinkKind.IpTunnel kind = LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.gue(5555));
        assertGolden(RtnlRequests.changeTunnel(7, kind, 1468), """
                7c000000 1000 0100 00000000 00000000  # len 124, RTM_NEWLINK, REQUEST (no CREATE: a change)
                00 00 0000 07000000 00000000 00000000 # ifinfomsg: index 7
                0800 0400 bc050000                     # IFLA_MTU 1468
                5400 1280                              # IFLA_LINKINFO, len 84
                0900 0100 69706970 00000000            #   IFLA_INFO_KIND "ipip"
                4400 0280                              #   IFLA_INFO_DATA, len 68
                0800 0200 0a000001                     #     IFLA_IPTUN_LOCAL 10.0.0.1
                0800 0300 0a000002                     #     IFLA_IPTUN_REMOTE 10.0.0.2
                0500 0400 e1000000                     #     IFLA_IPTUN_TTL 225
                0500 0a00 01000000                     #     IFLA_IPTUN_PMTUDISC 1
                0600 0f00 0200 0000                    #     IFLA_IPTUN_ENCAP_TYPE TUNNEL_ENCAP_GUE
                0600 1000 0000 0000                    #     IFLA_IPTUN_ENCAP_FLAGS none
                0600 1100 0000 0000                    #     IFLA_IPTUN_ENCAP_SPORT 0 (auto), big-endian
                0600 1200 15b3 0000                    #     IFLA_IPTUN_ENCAP_DPORT 5555, big-endian
                """);
    }

    @Test
    void changeBackToNoEncapsulationSendsTheNoneTypeExplicitly() {
        LinkKind.IpTunnel kind = LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.NONE);
        assertGolden(RtnlRequests.changeTunnel(7, kind, 0), """
                74000000 1000 0100 00000000 00000000  # len 116, RTM_NEWLINK, REQUEST
                00 00 0000 07000000 00000000 00000000 # ifinfomsg: index 7
                5400 1280                              # IFLA_LINKINFO, len 84 (no IFLA_MTU: mtu 0 keeps it)
                0900 0100 69706970 00000000            #   IFLA_INFO_KIND "ipip"
                4400 0280                              #   IFLA_INFO_DATA, len 68
                0800 0200 0a000001                     #     IFLA_IPTUN_LOCAL 10.0.0.1
                0800 0300 0a000002                     #     IFLA_IPTUN_REMOTE 10.0.0.2
                0500 0400 e1000000                     #     IFLA_IPTUN_TTL 225
                0500 0a00 01000000                     #     IFLA_IPTUN_PMTUDISC 1
                0600 0f00 0000 0000                    #     IFLA_IPTUN_ENCAP_TYPE TUNNEL_ENCAP_NONE: "encap none"
                0600 1000 0000 0000                    #     IFLA_IPTUN_ENCAP_FLAGS none
                0600 1100 0000 0000                    #     IFLA_IPTUN_ENCAP_SPORT 0
                0600 1200 0000 0000                    #     IFLA_IPTUN_ENCAP_DPORT 0
                """);
    }

    @Test
    void addIp6tnlReceiverWithoutRemoteInExternalMode() {
        LinkKind kind = new LinkKind.IpTunnel(AddressFamily.INET6, ip("fd00::1"), null, 0, true, null);
        assertGolden(RtnlRequests.addLink("kube-tunnel-v6", kind, 0), """
                70000000 1000 0106 00000000 00000000  # len 112, RTM_NEWLINK, REQUEST|EXCL|CREATE
                00 00 0000 00000000 00000000 00000000 # ifinfomsg
                1300 0300 6b7562652d74756e6e656c2d7636 00 00  # IFLA_IFNAME "kube-tunnel-v6" NUL, padding
                3c00 1280                              # IFLA_LINKINFO, len 60
                0b00 0100 69703674 6e6c0000            #   IFLA_INFO_KIND "ip6tnl"
                2c00 0280                              #   IFLA_INFO_DATA, len 44
                1400 0200 fd000000000000000000000000000001 # IFLA_IPTUN_LOCAL fd00::1
                0500 0400 00000000                     #     IFLA_IPTUN_TTL 0 (inherit)
                0500 0900 29000000                     #     IFLA_IPTUN_PROTO 41: ip6ip6
                0400 1300                              #     IFLA_IPTUN_COLLECT_METADATA (flag)
                """);
    }

    @Test
    void deleteSetUpAndMtuAddressTheLinkByIndex() {
        assertGolden(RtnlRequests.deleteLink(7), """
                20000000 1100 0100 00000000 00000000  # len 32, RTM_DELLINK, REQUEST
                00 00 0000 07000000 00000000 00000000 # ifinfomsg index 7
                """);
        assertGolden(RtnlRequests.setLinkUp(7, true), """
                20000000 1000 0100 00000000 00000000  # len 32, RTM_NEWLINK, REQUEST
                00 00 0000 07000000 01000000 01000000 # index 7, flags IFF_UP, change IFF_UP
                """);
        assertGolden(RtnlRequests.setLinkUp(7, false), """
                20000000 1000 0100 00000000 00000000  # len 32, RTM_NEWLINK, REQUEST
                00 00 0000 07000000 00000000 01000000 # index 7, flags 0, change IFF_UP
                """);
        assertGolden(RtnlRequests.setLinkMtu(7, 1480), """
                28000000 1000 0100 00000000 00000000  # len 40, RTM_NEWLINK, REQUEST
                00 00 0000 07000000 00000000 00000000 # index 7
                0800 0400 c8050000                     # IFLA_MTU 1480
                """);
        assertGolden(RtnlRequests.moveLinkToNamespace(7, 42), """
                28000000 1000 0100 00000000 00000000  # len 40, RTM_NEWLINK, REQUEST
                00 00 0000 07000000 00000000 00000000 # index 7
                0800 1c00 2a000000                     # IFLA_NET_NS_FD 42
                """);
    }

    @Test
    void getAndDumpLinks() {
        assertGolden(RtnlRequests.getLink("lo"), """
                28000000 1200 0100 00000000 00000000  # len 40, RTM_GETLINK, REQUEST
                00 00 0000 00000000 00000000 00000000 # ifinfomsg, index 0: look up by name
                0700 0300 6c6f0000                     # IFLA_IFNAME "lo"
                """);
        assertGolden(RtnlRequests.dumpLinks(), """
                20000000 1200 0103 00000000 00000000  # len 32, RTM_GETLINK, REQUEST|DUMP
                00 00 0000 00000000 00000000 00000000 # ifinfomsg
                """);
    }

    @Test
    void addIpv6AddressWithoutDuplicateAddressDetection() {
        Address a = new Address(5, IpPrefix.parse("fd00::1/64"), RouteScope.UNIVERSE, true);
        assertGolden(RtnlRequests.addAddress(a), """
                48000000 1400 0106 00000000 00000000  # len 72, RTM_NEWADDR, REQUEST|EXCL|CREATE
                0a 40 02 00 05000000                   # ifaddrmsg: AF_INET6, /64, IFA_F_NODAD, scope universe, index 5
                1400 0200 fd000000000000000000000000000001 # IFA_LOCAL fd00::1
                1400 0100 fd000000000000000000000000000001 # IFA_ADDRESS fd00::1
                0800 0800 02000000                     # IFA_FLAGS IFA_F_NODAD
                """);
    }

    @Test
    void deleteAndDumpIpv4Addresses() {
        Address a = new Address(3, IpPrefix.parse("10.96.0.10/32"), RouteScope.HOST, false);
        assertGolden(RtnlRequests.deleteAddress(a), """
                28000000 1500 0100 00000000 00000000  # len 40, RTM_DELADDR, REQUEST
                02 20 00 fe 03000000                   # AF_INET, /32, no flags, scope host, index 3
                0800 0200 0a60000a                     # IFA_LOCAL 10.96.0.10
                0800 0100 0a60000a                     # IFA_ADDRESS 10.96.0.10
                """);
        assertGolden(RtnlRequests.dumpAddresses(AddressFamily.INET), """
                18000000 1600 0103 00000000 00000000  # len 24, RTM_GETADDR, REQUEST|DUMP
                02 00 00 00 00000000                   # ifaddrmsg AF_INET
                """);
    }

    @Test
    void addLocalRouteInCustomTable() {
        Route r = Route.to(IpPrefix.parse("10.96.0.10/32")).withTable(78).withType(RouteType.LOCAL)
                .withScope(RouteScope.HOST).withOutputLink(1);
        assertGolden(RtnlRequests.addRoute(r), """
                34000000 1800 0106 00000000 00000000  # len 52, RTM_NEWROUTE, REQUEST|EXCL|CREATE
                02 20 00 00 4e 03 fe 02 00000000       # rtmsg: AF_INET, dst /32, src /0, tos, table 78, boot, host, RTN_LOCAL, flags
                0800 0f00 4e000000                     # RTA_TABLE 78
                0800 0100 0a60000a                     # RTA_DST 10.96.0.10
                0800 0400 01000000                     # RTA_OIF 1
                """);
    }

    @Test
    void replaceUnicastRouteWithSourceGatewayAndMetricInATableAbove255() {
        Route r = Route.to(IpPrefix.parse("10.244.1.0/24")).withTable(1000).withSource(ip("192.168.0.1"))
                .withGateway(ip("192.168.0.2")).withOutputLink(4).withMetric(10).withProtocol(Route.PROTOCOL_STATIC);
        assertGolden(RtnlRequests.replaceRoute(r), """
                4c000000 1800 0105 00000000 00000000  # len 76, RTM_NEWROUTE, REQUEST|CREATE|REPLACE
                02 18 00 00 00 04 00 01 00000000       # AF_INET, /24, table UNSPEC (>255), static, universe, unicast
                0800 0f00 e8030000                     # RTA_TABLE 1000
                0800 0100 0af40100                     # RTA_DST 10.244.1.0
                0800 0700 c0a80001                     # RTA_PREFSRC 192.168.0.1
                0800 0500 c0a80002                     # RTA_GATEWAY 192.168.0.2
                0800 0400 04000000                     # RTA_OIF 4
                0800 0600 0a000000                     # RTA_PRIORITY 10
                """);
    }

    @Test
    void deleteDefaultIpv6LocalRouteMatchesAnyScopeAndProtocol() {
        Route r = Route.to(IpPrefix.parse("::/0")).withTable(78).withType(RouteType.LOCAL).withOutputLink(1);
        assertGolden(RtnlRequests.deleteRoute(r), """
                2c000000 1900 0100 00000000 00000000  # len 44, RTM_DELROUTE, REQUEST
                0a 00 00 00 4e 00 ff 02 00000000       # AF_INET6, /0, table 78, protocol any, scope NOWHERE, RTN_LOCAL
                0800 0f00 4e000000                     # RTA_TABLE 78
                0800 0400 01000000                     # RTA_OIF 1 (no RTA_DST for the default route)
                """);
    }

    @Test
    void dumpRoutesOfOneTable() {
        assertGolden(RtnlRequests.dumpRoutes(AddressFamily.INET, 254), """
                24000000 1a00 0103 00000000 00000000  # len 36, RTM_GETROUTE, REQUEST|DUMP
                02 00 00 00 fe 00 00 00 00000000       # AF_INET, table main
                0800 0f00 fe000000                     # RTA_TABLE 254 (a strict-check filter)
                """);
    }

    @Test
    void addFwmarkRule() {
        assertGolden(RtnlRequests.addRule(Rule.fwmark(AddressFamily.INET, 32764, 0x2a, 78)), """
                3c000000 2000 0106 00000000 00000000  # len 60, RTM_NEWRULE, REQUEST|EXCL|CREATE
                02 00 00 00 4e 00 00 01 00000000       # fib_rule_hdr: AF_INET, dst/src len 0, tos, table 78, res, FR_ACT_TO_TBL
                0800 0600 fc7f0000                     # FRA_PRIORITY 32764
                0800 0f00 4e000000                     # FRA_TABLE 78
                0800 0a00 2a000000                     # FRA_FWMARK 0x2a
                0800 1000 ffffffff                     # FRA_FWMASK 0xffffffff
                """);
    }

    @Test
    void deleteSourceRuleAndDumpRules() {
        Rule r = new Rule(AddressFamily.INET6, 100, 0, 0, IpPrefix.parse("fd00::/8"), null, 300);
        assertGolden(RtnlRequests.deleteRule(r), """
                40000000 2100 0100 00000000 00000000  # len 64, RTM_DELRULE, REQUEST
                0a 00 08 00 00 00 00 01 00000000       # AF_INET6, dst len 0, src len 8, table UNSPEC (>255), FR_ACT_TO_TBL
                0800 0600 64000000                     # FRA_PRIORITY 100
                0800 0f00 2c010000                     # FRA_TABLE 300
                1400 0200 fd000000000000000000000000000000 # FRA_SRC fd00::
                """);
        assertGolden(RtnlRequests.dumpRules(AddressFamily.INET), """
                1c000000 2200 0103 00000000 00000000  # len 28, RTM_GETRULE, REQUEST|DUMP
                02 00 00 00 00 00 00 00 00000000       # fib_rule_hdr AF_INET
                """);
    }

    @Test
    void rejectsLinkNamesTheKernelWouldRefuse() {
        assertThatThrownBy(() -> RtnlRequests.addLink("a-name-of-16-chr", new LinkKind.Dummy(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1-15 characters");
        assertThatThrownBy(() -> RtnlRequests.addLink("a/b", new LinkKind.Dummy(), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
