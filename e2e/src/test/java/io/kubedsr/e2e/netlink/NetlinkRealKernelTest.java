package io.kubedsr.e2e.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.genl.GenericNetlink;
import io.kubedsr.netlink.genl.GenlFamily;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.netlink.route.TunnelEncap;

/** The netlink library against what the build host's kernel lacks: IPVS and fou families, ipip/ip6tnl links. */
@Order(3)
@VmTest(modules = {"ip_vs", "fou", "fou6", "ipip", "ip6_tunnel"}, timeoutSeconds = 180)
class NetlinkRealKernelTest {
    private TestNamespace ns;
    private Rtnetlink rtnl;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        rtnl = ns.rtnl();
    }

    @AfterEach
    void tearDown() {
        ns.close();
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void ipvsAndFouFamiliesResolve() {
        try (NetlinkConnection c = ns.namespace().openConnection(NetlinkProtocol.GENERIC)) {
            GenlFamily ipvs = GenericNetlink.resolveFamily(c, "IPVS");
            GenlFamily fou = GenericNetlink.resolveFamily(c, "fou");
            assertThat(ipvs.name()).isEqualTo("IPVS");
            assertThat(fou.name()).isEqualTo("fou");
            assertThat(ipvs.id()).isNotEqualTo(fou.id()).isGreaterThan(GenericNetlink.CONTROLLER_ID);
            assertThat(ipvs.version()).isEqualTo(1);
        }
    }

    private void assertReadsBackEqual(String name, LinkKind.IpTunnel spec) {
        Link created = rtnl.addLink(name, spec);
        assertThat(created.kind()).isEqualTo(spec);
        assertThat(rtnl.link(name).orElseThrow().kind()).isEqualTo(spec);
        assertThat(rtnl.links()).extracting(Link::kind).contains(spec);
        rtnl.deleteLink(name);
        assertThat(rtnl.link(name)).isEmpty();
    }

    @Test
    void ipipLinksWithAndWithoutGueReadBackEqual() {
        assertReadsBackEqual("tun-plain", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.NONE));
        assertReadsBackEqual("tun-gue", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.3"), 225, TunnelEncap.gue(5555)));
        assertReadsBackEqual("tun-gue-csum", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.4"), 64,
                new TunnelEncap(TunnelEncap.Type.GUE, 1, 0, 6000)));
        assertReadsBackEqual("kube-tunnel-if", LinkKind.IpTunnel.ipip(ip("10.244.1.5"), null, 0, TunnelEncap.NONE));
        assertReadsBackEqual("tun-ext", new LinkKind.IpTunnel(AddressFamily.INET, null, null, 0, true, TunnelEncap.NONE));
    }

    @Test
    void ipipGueLinkIsWhatIproute2Reads() {
        rtnl.addLink("tun-gue", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.gue(5555)));
        String shown = ns.exec("ip", "-d", "link", "show", "tun-gue");
        assertThat(shown).contains("ipip").contains("remote 10.0.0.2 local 10.0.0.1").contains("ttl 225")
                .contains("encap gue").contains("encap-dport 5555").contains("encap-sport auto");
    }

    @Test
    void linksIproute2CreatesReadBackAsTheSameSpec() {
        ns.exec("ip", "link", "add", "t-ip2", "type", "ipip", "local", "10.1.0.1", "remote", "10.1.0.2", "ttl", "225",
                "encap", "gue", "encap-sport", "auto", "encap-dport", "5555");
        assertThat(rtnl.link("t-ip2").orElseThrow().kind())
                .isEqualTo(LinkKind.IpTunnel.ipip(ip("10.1.0.1"), ip("10.1.0.2"), 225, TunnelEncap.gue(5555)));
        ns.exec("ip", "link", "add", "t-ip6", "type", "ip6tnl", "mode", "ip6ip6", "local", "fd00::1", "remote", "fd00::2",
                "hoplimit", "64");
        assertThat(rtnl.link("t-ip6").orElseThrow().kind())
                .isEqualTo(LinkKind.IpTunnel.ip6ip6(ip("fd00::1"), ip("fd00::2"), 64, TunnelEncap.NONE));
    }

    @Test
    void ip6tnlLinksWithAndWithoutGueReadBackEqual() {
        assertReadsBackEqual("t6-plain", LinkKind.IpTunnel.ip6ip6(ip("fd00::1"), ip("fd00::2"), 64, TunnelEncap.NONE));
        assertReadsBackEqual("t6-gue", LinkKind.IpTunnel.ip6ip6(ip("fd00::1"), ip("fd00::3"), 64, TunnelEncap.gue(5555)));
        assertReadsBackEqual("kube-tunnel-v6", LinkKind.IpTunnel.ip6ip6(ip("fd00:244::5"), null, 64, TunnelEncap.NONE));
        assertThat(ns.exec("ip", "-d", "link", "show")).doesNotContain("t6-gue");
    }

    @Test
    void aSecondIpipLinkWithTheSameEndpointsIsAlreadyExists() {
        rtnl.addLink("tun-a", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225, TunnelEncap.NONE));
        assertThatThrownBy(() -> rtnl.addLink("tun-b", LinkKind.IpTunnel.ipip(ip("10.0.0.1"), ip("10.0.0.2"), 225,
                TunnelEncap.gue(5555)))).isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.alreadyExists()).isTrue());
    }

    /** A minimal FOU_CMD_ADD by hand (the tunnel module has the real API): port 5555, IPv4, GUE. */
    @Test
    void fouReceivePortIsAddedThroughGenericNetlink() {
        try (NetlinkConnection c = ns.namespace().openConnection(NetlinkProtocol.GENERIC)) {
            GenlFamily fou = GenericNetlink.resolveFamily(c, "fou");
            var b = GenericNetlink.request(fou.id(), 1 /* FOU_CMD_ADD */, 1, 0, "add fou port 5555 gue");
            b.u16Be(1 /* FOU_ATTR_PORT */, 5555);
            b.u8(2 /* FOU_ATTR_AF */, AddressFamily.INET.number());
            b.u8(4 /* FOU_ATTR_TYPE */, 2 /* FOU_ENCAP_GUE */);
            c.execute(b.build());
        }
        assertThat(ns.exec("ip", "fou", "show")).contains("port 5555 gue");
    }
}
