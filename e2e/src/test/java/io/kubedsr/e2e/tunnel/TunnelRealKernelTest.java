package io.kubedsr.e2e.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.tunnel.DsrReceivers;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.EnsuredTunnel;
import io.kubedsr.tunnel.FouPort;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelNames;
import io.kubedsr.tunnel.TunnelOutcome;
import io.kubedsr.tunnel.TunnelSpec;

/** The tunnel module in the VM kernel: overlays between two nodes, switching encapsulation in place, DSR receivers. */
@Order(5)
@VmTest(modules = {"ip_vs", "ipip", "fou", "fou6", "ip6_tunnel"}, timeoutSeconds = 300)
class TunnelRealKernelTest {
    private Lab lab;
    private NodeTunnels[] tunnels;
    private NetlinkConnection[] generic;

    @BeforeEach
    void setUp() {
        lab = new Lab(2);
        tunnels = new NodeTunnels[3];
        generic = new NetlinkConnection[3];
        for (int n = 1; n <= 2; n++) {
            generic[n] = lab.node(n).namespace().openConnection(NetlinkProtocol.GENERIC);
            tunnels[n] = new NodeTunnels(lab.node(n).rtnl(), generic[n]);
        }
    }

    @AfterEach
    void tearDown() {
        for (int n = 1; n <= 2; n++) {
            generic[n].close();
        }
        lab.close();
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static InetAddress nodeIp(int n) {
        return ip("192.168.1." + n);
    }

    /** Node n gets a tunnel to the other node and a route to the other pod's CIDR through it. */
    private EnsuredTunnel[] overlay(Encapsulation encap) {
        EnsuredTunnel[] out = new EnsuredTunnel[3];
        for (int n = 1; n <= 2; n++) {
            int peer = 3 - n;
            out[n] = tunnels[n].ensure(TunnelSpec.of(nodeIp(n), nodeIp(peer), encap));
            tunnels[n].ensureRoutes(out[n], List.of(IpPrefix.parse("10.244." + peer + ".0/24")), Route.TABLE_MAIN);
        }
        return out;
    }

    private void assertPodsTalk() {
        assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("pod1 -> pod2").isTrue();
        assertThat(Lab.pings(lab.pod(2), "10.244.1.2")).as("pod2 -> pod1").isTrue();
    }

    private void assertOnlyTunnelLink(TestNamespace node, String name) {
        assertThat(node.exec("ip", "-o", "link", "show").lines().filter(l -> l.contains(" tun-")).toList())
                .hasSize(1).allSatisfy(l -> assertThat(l).contains(name + "@"));
    }

    @Test
    void podsTalkOverAnIpipOverlayAndNotWithoutItsRoutes() {
        assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("no overlay yet: the underlay has no pod routes").isFalse();
        EnsuredTunnel[] t = overlay(Encapsulation.IPIP);
        assertThat(t[1].outcome()).isEqualTo(TunnelOutcome.CREATED);
        assertPodsTalk();
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", TunnelNames.forPeer(nodeIp(2))))
                .contains("ipip").contains("remote 192.168.1.2 local 192.168.1.1").contains("ttl 225");
        assertThat(lab.node(1).exec("ip", "route", "show", "10.244.2.0/24"))
                .contains("dev " + TunnelNames.forPeer(nodeIp(2))).contains("src 192.168.1.1");

        tunnels[1].ensureRoutes(t[1], List.of(), Route.TABLE_MAIN);
        assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("without the tunnel route").isFalse();
    }

    @Test
    void podsTalkOverAGueOverlayWithItsReceivePort() {
        overlay(Encapsulation.gue(5555));
        assertPodsTalk();
        assertThat(lab.node(1).exec("ip", "fou", "show")).contains("port 5555 gue");
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", TunnelNames.forPeer(nodeIp(2))))
                .contains("encap gue").contains("encap-dport 5555");
        assertThat(tunnels[1].fouPorts()).containsExactly(new FouPort(AddressFamily.INET, 5555));
        // The packets really travel as UDP to port 5555: dropping that port on node2 cuts the pods apart.
        lab.node(2).exec("nft", "add table inet gue-block");
        lab.node(2).exec("nft", "add chain inet gue-block in { type filter hook input priority 0 ; }");
        lab.node(2).exec("nft", "add rule inet gue-block in udp dport 5555 drop");
        assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("UDP 5555 dropped on node2").isFalse();
        lab.node(2).exec("nft", "delete table inet gue-block");
        assertPodsTalk();
    }

    private String link(int n, String name) {
        return lab.node(n).exec("ip", "-d", "link", "show", name);
    }

    /** The MTU the kernel gives a new link of this kind on node n (a throw-away link to an unused peer). */
    private int freshMtu(int n, String... kindArgs) {
        List<String> cmd = new ArrayList<>(List.of("ip", "link", "add", "kdsr-ref"));
        cmd.addAll(List.of(kindArgs));
        lab.node(n).exec(cmd.toArray(String[]::new));
        try {
            return lab.node(n).rtnl().link("kdsr-ref").orElseThrow().mtu();
        } finally {
            lab.node(n).exec("ip", "link", "del", "kdsr-ref");
        }
    }

    /**
     * Switching both nodes IPIP -> GUE -> IPIP changes each link in place: same index, its route kept, the MTU
     * the kernel gives a new link of that encapsulation (1480 / 1468 on a 1500 underlay); pods talk throughout,
     * and afterwards nothing stale is left (one link, one route, the GUE port only while wanted).
     */
    @Test
    void switchingIpipToGueToIpipConvertsEachLinkInPlaceAndLeavesNothingStale() {
        EnsuredTunnel[] ipip = overlay(Encapsulation.IPIP);
        assertPodsTalk();
        int ipipMtu = freshMtu(1, "type", "ipip", "remote", "192.168.1.9", "local", "192.168.1.1");
        int gueMtu = freshMtu(1, "type", "ipip", "remote", "192.168.1.9", "local", "192.168.1.1", "encap", "gue",
                "encap-sport", "auto", "encap-dport", "5555");
        assertThat(gueMtu).as("GUE costs 12 bytes more than IPIP").isEqualTo(ipipMtu - 12);
        String name = TunnelNames.forPeer(nodeIp(2));
        assertThat(lab.node(1).rtnl().link(name).orElseThrow().mtu()).isEqualTo(ipipMtu);
        for (int n = 1; n <= 2; n++) {
            tunnels[n].ensureReceivePorts(List.of(new FouPort(AddressFamily.INET, 5555))); // what the overlay keeps open
        }
        long t0 = System.nanoTime();
        EnsuredTunnel[] gue = overlay(Encapsulation.gue(5555));
        System.out.printf("converting both nodes' tunnels IPIP -> GUE in place took %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        for (int n = 1; n <= 2; n++) {
            assertThat(gue[n].outcome()).isEqualTo(TunnelOutcome.CONVERTED);
            assertThat(gue[n].linkIndex()).as("the same link").isEqualTo(ipip[n].linkIndex());
        }
        assertThat(link(1, name)).contains("encap gue").contains("encap-dport 5555").contains("remote 192.168.1.2 local 192.168.1.1")
                .contains("ttl 225");
        assertThat(lab.node(1).rtnl().link(name).orElseThrow().mtu()).as("the MTU of a new GUE link").isEqualTo(gueMtu);
        assertPodsTalk();
        EnsuredTunnel[] back = overlay(Encapsulation.IPIP);
        assertThat(back[1].outcome()).isEqualTo(TunnelOutcome.CONVERTED);
        assertThat(back[1].linkIndex()).isEqualTo(ipip[1].linkIndex());
        assertThat(link(1, name)).doesNotContain("encap gue");
        assertThat(lab.node(1).rtnl().link(name).orElseThrow().mtu()).isEqualTo(ipipMtu);
        for (int n = 1; n <= 2; n++) {
            tunnels[n].collectGarbage(List.of(back[n].spec()), List.of(new FouPort(AddressFamily.INET, 5555)), Set.of(5555));
            assertOnlyTunnelLink(lab.node(n), TunnelNames.forPeer(nodeIp(3 - n)));
            assertThat(lab.node(n).exec("ip", "fou", "show")).as("the receive port stays open").contains("port 5555 gue");
            assertThat(lab.node(n).exec("ip", "route", "show", "10.244." + (3 - n) + ".0/24").lines().count()).isEqualTo(1);
            tunnels[n].collectGarbage(List.of(back[n].spec()), List.of(), Set.of(5555));
            assertThat(lab.node(n).exec("ip", "fou", "show").trim()).as("no receive port wanted: none left").isEmpty();
        }
        assertPodsTalk();
    }

    /**
     * Receiving does not depend on what the receiving link sends: node2's tunnel sends IPIP, node1's sends GUE,
     * and pods talk both ways as long as node2 has its GUE receive port; node1 takes node2's IPIP with no port at
     * all. Without node2's port, node1's packets are lost. (That check comes last: ICMP port unreachables make
     * the sending tunnel report link failures to its pod for a while, IPTUNNEL_ERR_TIMEO.)
     */
    @Test
    void aNodeSendingIpipTakesGueFromItsPeerThroughItsReceivePort() {
        EnsuredTunnel t1 = tunnels[1].ensure(TunnelSpec.of(nodeIp(1), nodeIp(2), Encapsulation.gue(5555)));
        tunnels[1].ensureRoutes(t1, List.of(IpPrefix.parse("10.244.2.0/24")), Route.TABLE_MAIN);
        EnsuredTunnel t2 = tunnels[2].ensure(TunnelSpec.of(nodeIp(2), nodeIp(1), Encapsulation.IPIP));
        tunnels[2].ensureRoutes(t2, List.of(IpPrefix.parse("10.244.1.0/24")), Route.TABLE_MAIN);
        tunnels[2].ensureReceivePorts(List.of(new FouPort(AddressFamily.INET, 5555)));
        assertPodsTalk();
        assertThat(link(2, t2.spec().linkName())).as("node2 sends IPIP").doesNotContain("encap gue");
        assertThat(link(1, t1.spec().linkName())).as("node1 sends GUE").contains("encap gue");

        lab.node(1).exec("ip", "fou", "del", "port", "5555");
        assertPodsTalk(); // node1 takes node2's IPIP without a port of its own

        lab.node(2).exec("ip", "fou", "del", "port", "5555");
        assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("node2 without its GUE port: node1's GUE is lost").isFalse();
    }

    private void addIpv6() {
        for (int n = 1; n <= 2; n++) {
            lab.node(n).exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            lab.node(n).exec("ip", "-6", "addr", "add", "fd00:1::" + n + "/64", "dev", "eth0", "nodad");
            lab.node(n).exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::1/64", "dev", "to-pod", "nodad");
            lab.pod(n).exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::2/64", "dev", "eth0", "nodad");
            lab.pod(n).exec("ip", "-6", "route", "add", "default", "via", "fd00:244:" + n + "::1");
        }
    }

    @Test
    void ipv6PodsTalkOverIp6tnlOverlaysOfBothEncapsulationsConvertedInPlace() {
        addIpv6();
        assertThat(Lab.pings(lab.pod(1), "fd00:244:2::2")).as("no IPv6 overlay yet").isFalse();
        int ipipMtu = freshMtu(1, "type", "ip6tnl", "mode", "ip6ip6", "remote", "fd00:1::9", "local", "fd00:1::1", "ttl", "225");
        int gueMtu = freshMtu(1, "type", "ip6tnl", "mode", "ip6ip6", "remote", "fd00:1::9", "local", "fd00:1::1", "ttl", "225",
                "encap", "gue", "encap-sport", "auto", "encap-dport", "5555");
        int[] index = new int[3];
        for (Encapsulation encap : List.of(Encapsulation.IPIP, Encapsulation.gue(5555), Encapsulation.IPIP)) {
            for (int n = 1; n <= 2; n++) {
                int peer = 3 - n;
                tunnels[n].ensureReceivePorts(List.of(new FouPort(AddressFamily.INET6, 5555)));
                EnsuredTunnel t = tunnels[n].ensure(TunnelSpec.of(ip("fd00:1::" + n), ip("fd00:1::" + peer), encap));
                assertThat(link(n, t.spec().linkName())).contains("ip6tnl ip6ip6");
                if (index[n] == 0) {
                    assertThat(t.outcome()).isEqualTo(TunnelOutcome.CREATED);
                    index[n] = t.linkIndex();
                } else {
                    assertThat(t.outcome()).isEqualTo(TunnelOutcome.CONVERTED);
                    assertThat(t.linkIndex()).as("the same ip6tnl link").isEqualTo(index[n]);
                }
                assertThat(lab.node(n).rtnl().link(t.spec().linkName()).orElseThrow().mtu()).as("MTU over " + encap)
                        .isEqualTo(encap instanceof Encapsulation.Gue ? gueMtu : ipipMtu);
                tunnels[n].ensureRoutes(t, List.of(IpPrefix.parse("fd00:244:" + peer + "::/64")), Route.TABLE_MAIN);
            }
            assertThat(Lab.pings(lab.pod(1), "fd00:244:2::2")).as("pod1 -> pod2 over " + encap).isTrue();
            assertThat(Lab.pings(lab.pod(2), "fd00:244:1::2")).as("pod2 -> pod1 over " + encap).isTrue();
        }
        assertThat(tunnels[1].fouPorts()).contains(new FouPort(AddressFamily.INET6, 5555));
    }

    @Test
    void ipv6ReceiverHoldsItsVipsOnIp6tnl() {
        addIpv6();
        DsrReceivers receivers = new DsrReceivers();
        TestNamespace pod = lab.pod(2);
        receivers.ensure(pod.namespace(), ip("fd00:244:2::2"), Set.of(ip("fd00:96::10"), ip("fd00:96::11")), Set.of(5555));
        assertThat(pod.exec("ip", "-d", "link", "show", DsrReceivers.LINK_V6)).contains("ip6tnl").contains("local fd00:244:2::2");
        assertThat(receivers.vips(pod.namespace(), AddressFamily.INET6)).containsExactlyInAnyOrder(ip("fd00:96::10"), ip("fd00:96::11"));
        assertThat(pod.exec("ip", "fou", "show")).contains("port 5555 gue -6");
        receivers.ensure(pod.namespace(), ip("fd00:244:2::2"), Set.of(ip("fd00:96::11")), Set.of(6666));
        assertThat(receivers.vips(pod.namespace(), AddressFamily.INET6)).containsExactly(ip("fd00:96::11"));
        assertThat(pod.exec("ip", "fou", "show")).as("the port moved").contains("port 6666 gue -6").doesNotContain("5555");
        receivers.ensure(pod.namespace(), ip("fd00:244:2::2"), Set.of(ip("fd00:96::11")), Set.of());
        assertThat(pod.exec("ip", "fou", "show").trim()).as("no GUE port: IPIP only").isEmpty();
        receivers.remove(pod.namespace(), AddressFamily.INET6);
        assertThat(pod.exec("ip", "-o", "link", "show")).doesNotContain(DsrReceivers.LINK_V6);
    }

    @Test
    void ensuringTheSameStateTwiceWritesNothing() {
        EnsuredTunnel[] first = overlay(Encapsulation.gue(5555));
        String before = lab.node(1).exec("ip", "-d", "link", "show", TunnelNames.forPeer(nodeIp(2)));
        long writes = tunnels[1].writes().total();
        EnsuredTunnel again = tunnels[1].ensure(first[1].spec());
        tunnels[1].ensureRoutes(again, List.of(IpPrefix.parse("10.244.2.0/24")), Route.TABLE_MAIN);
        tunnels[1].collectGarbage(List.of(first[1].spec()), List.of(), Set.of(5555));
        assertThat(again.outcome()).isEqualTo(TunnelOutcome.UNCHANGED);
        assertThat(again.linkIndex()).isEqualTo(first[1].linkIndex());
        assertThat(tunnels[1].writes().total()).isEqualTo(writes);
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", TunnelNames.forPeer(nodeIp(2)))).isEqualTo(before);
    }

    @Test
    void garbageCollectionRemovesTunnelsToPeersThatAreGone() {
        overlay(Encapsulation.IPIP);
        tunnels[1].ensure(TunnelSpec.of(nodeIp(1), ip("192.168.1.99"), Encapsulation.IPIP));
        lab.node(1).exec("ip", "link", "add", "tunl-other", "type", "dummy"); // not ours: stays
        List<String> removed = tunnels[1].collectGarbage(List.of(TunnelSpec.of(nodeIp(1), nodeIp(2), Encapsulation.IPIP)), List.of(), Set.of());
        assertThat(removed).containsExactly(TunnelNames.forPeer(ip("192.168.1.99")));
        assertThat(lab.node(1).exec("ip", "-o", "link", "show")).contains("tunl-other")
                .doesNotContain(TunnelNames.forPeer(ip("192.168.1.99")));
        assertPodsTalk();
    }

    /**
     * DSR end to end with the director programmed by ipvsadm: node1 forwards VIP:80 in tunnel mode to the pod
     * on node2, whose receiver (this module) decapsulates; the pod answers the client directly.
     */
    private void assertDsrFlow(String ipvsadmTunnelArgs) throws Exception {
        TestNamespace director = lab.node(1);
        TestNamespace pod = lab.pod(2);
        lab.router.exec("ip", "route", "add", "10.96.100.100/32", "via", "192.168.1.1");
        director.exec("ip", "link", "add", "kube-dummy-if", "type", "dummy");
        director.exec("ip", "addr", "add", "10.96.100.100/32", "dev", "kube-dummy-if");
        director.exec("ip", "link", "set", "kube-dummy-if", "up");
        director.exec("ip", "route", "add", "10.244.2.0/24", "via", "192.168.1.2");
        director.exec("ipvsadm", "-A", "-t", "10.96.100.100:80", "-s", "rr");
        director.exec("sh", "-c", "ipvsadm -a -t 10.96.100.100:80 -r 10.244.2.2:80 -w 1 " + ipvsadmTunnelArgs);
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "served by pod2\n");
        pod.exec("busybox", "httpd", "-p", "80", "-h", www.toString());

        DsrReceivers receivers = new DsrReceivers();
        // The receiver takes both encapsulations, as the agent makes it, whichever the director sends.
        TunnelOutcome outcome = receivers.ensure(pod.namespace(), ip("10.244.2.2"), Set.of(ip("10.96.100.100")), Set.of(5555));
        assertThat(outcome).isEqualTo(TunnelOutcome.CREATED);
        assertThat(pod.exec("ip", "-d", "addr", "show", DsrReceivers.LINK_V4)).contains("10.96.100.100/32")
                .contains("ipip").contains("local 10.244.2.2");
        assertThat(pod.namespace().readSysctl("net.ipv4.conf.all.rp_filter")).isEqualTo("0");
        assertThat(pod.namespace().readSysctl("net/ipv4/conf/eth0/rp_filter")).isEqualTo("0");
        assertThat(pod.exec("ip", "fou", "show")).contains("port 5555 gue");

        assertThat(lab.client.exec("curl", "-sS", "--max-time", "10", "http://10.96.100.100/")).contains("served by pod2");
        long writes = receivers.writes().total();
        assertThat(receivers.ensure(pod.namespace(), ip("10.244.2.2"), Set.of(ip("10.96.100.100")), Set.of(5555)))
                .isEqualTo(TunnelOutcome.UNCHANGED);
        assertThat(receivers.writes().total()).as("the second ensure writes nothing").isEqualTo(writes);

        receivers.removeVip(pod.namespace(), ip("10.244.2.2"), ip("10.96.100.100"));
        assertThat(pod.exec("ip", "-o", "link", "show")).doesNotContain(DsrReceivers.LINK_V4);
        assertThat(pod.exec("ip", "fou", "show").trim()).isEmpty();
        assertThat(lab.client.tryExecFails("curl", "-sS", "--max-time", "4", "http://10.96.100.100/"))
                .as("without the receiver the request fails").isTrue();
    }

    @Test
    void dsrOverIpipReachesThePodThroughItsReceiver() throws Exception {
        assertDsrFlow("-i --tun-type ipip");
    }

    @Test
    void dsrOverGueReachesThePodThroughItsReceiver() throws Exception {
        assertDsrFlow("-i --tun-type gue --tun-port 5555");
    }
}
