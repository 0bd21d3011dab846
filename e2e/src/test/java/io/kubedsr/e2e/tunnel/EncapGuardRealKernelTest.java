package io.kubedsr.e2e.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.proxy.encap.EncapGuard;
import io.kubedsr.proxy.encap.ReceiverGuards;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.tunnel.DsrReceivers;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * The encapsulation guards on the real kernel (docs/security.md): an IPIP and a GUE packet from outside the
 * cluster (the client, 172.16.0.2, encapsulating by hand) reach a pod through the overlay node's fallback device
 * and through a pod's DSR receiver while there is no guard, and are dropped once the guard is written; a node's
 * packets (node1's overlay tunnel, node1's IPVS director) are accepted all along.
 */
@Order(5)
@VmTest(modules = {"ip_vs", "ipip", "fou"}, timeoutSeconds = 300)
class EncapGuardRealKernelTest {
    private static final Set<InetAddress> NODES = Set.of(ip("192.168.1.1"), ip("192.168.1.2"));
    private Lab lab;

    @BeforeEach
    void setUp() {
        lab = new Lab(2);
    }

    @AfterEach
    void tearDown() {
        // The pods' httpd would keep their namespaces (and receivers) alive after the lab is gone: end them by pid.
        for (TestNamespace pod : lab.pods) {
            for (String pid : TestNamespace.run("ip", "netns", "pids", pod.name()).trim().split("\\s+")) {
                if (!pid.isEmpty()) {
                    TestNamespace.run("kill", pid);
                }
            }
        }
        lab.close();
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    /** The client's hand-made tunnel to {@code remote}, with {@code via} routed through it. */
    private void attackerTunnel(String remote, String via, Encapsulation encap) {
        String gue = encap instanceof Encapsulation.Gue g ? " encap gue encap-sport auto encap-dport " + g.port() : "";
        lab.client.exec("sh", "-c", "ip link add evil type ipip remote " + remote + " local 172.16.0.2" + gue
                + " && ip link set evil up && ip route add " + via + " dev evil");
    }

    private static long dropped(TestNamespace ns, String table) {
        long sum = 0;
        for (String line : ns.exec("nft", "list", "table", "inet", table).lines().toList()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("counter packets (\\d+)").matcher(line);
            if (m.find()) {
                sum += Long.parseLong(m.group(1));
            }
        }
        return sum;
    }

    private void overlayNodeAcceptsOnlyNodes(Encapsulation encap) {
        try (NetlinkConnection g1 = lab.node(1).namespace().openConnection(NetlinkProtocol.GENERIC);
                NetlinkConnection g2 = lab.node(2).namespace().openConnection(NetlinkProtocol.GENERIC)) {
            NodeTunnels[] tunnels = {null, new NodeTunnels(lab.node(1).rtnl(), g1), new NodeTunnels(lab.node(2).rtnl(), g2)};
            for (int n = 1; n <= 2; n++) {
                int peer = 3 - n;
                var t = tunnels[n].ensure(TunnelSpec.of(ip("192.168.1." + n), ip("192.168.1." + peer), encap));
                tunnels[n].ensureRoutes(t, List.of(IpPrefix.parse("10.244." + peer + ".0/24")), Route.TABLE_MAIN);
            }
            // The kernel's fallback device takes every IPIP packet no tunnel of ours matches, once it is up. With
            // reverse-path filtering on (1 or 2) the kernel still drops what it decapsulated there, since tunl0 has no
            // address and no route leads back through it; off is the kernel's default, and then tunl0 takes anyone's.
            lab.node(2).exec("ip", "link", "set", "tunl0", "up");
            lab.node(2).exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.tunl0.rp_filter=0");
            attackerTunnel("192.168.1.2", "10.244.2.0/24", encap);
            assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("node1's tunnel, no guard").isTrue();
            assertThat(Lab.pings(lab.client, "10.244.2.2")).as("the outsider's " + encap + " through tunl0, no guard").isTrue();

            EncapGuard guard = new EncapGuard(new NftTable(lab.node(2).namespace(), EncapGuardRules.NODE_TABLE),
                    encap instanceof Encapsulation.Gue g ? List.of(g.port()) : List.of());
            guard.informerSynced(NODES);

            assertThat(Lab.pings(lab.client, "10.244.2.2")).as("the outsider's " + encap + ", guarded").isFalse();
            assertThat(dropped(lab.node(2), EncapGuardRules.NODE_TABLE)).as("counted drops").isPositive();
            assertThat(Lab.pings(lab.pod(1), "10.244.2.2")).as("node1's tunnel, guarded").isTrue();
            assertThat(Lab.pings(lab.pod(2), "10.244.1.2")).as("back through node2's tunnel").isTrue();
        }
    }

    @Test
    void overlayNodeDropsIpipFromOutsideTheClusterAndTakesItsPeers() {
        overlayNodeAcceptsOnlyNodes(Encapsulation.IPIP);
    }

    @Test
    void overlayNodeDropsGueFromOutsideTheClusterAndTakesItsPeers() {
        overlayNodeAcceptsOnlyNodes(Encapsulation.gue(5555));
    }

    private void receiverAcceptsOnlyNodes(Encapsulation encap, String ipvsadmTunnel) throws Exception {
        TestNamespace director = lab.node(1);
        TestNamespace pod = lab.pod(2);
        lab.router.exec("ip", "route", "add", "10.96.100.100/32", "via", "192.168.1.1");
        lab.router.exec("ip", "route", "add", "10.244.2.0/24", "via", "192.168.1.2");
        director.exec("ip", "link", "add", "kube-dummy-if", "type", "dummy");
        director.exec("ip", "addr", "add", "10.96.100.100/32", "dev", "kube-dummy-if");
        director.exec("ip", "link", "set", "kube-dummy-if", "up");
        director.exec("ip", "route", "add", "10.244.2.0/24", "via", "192.168.1.2");
        director.exec("ipvsadm", "-A", "-t", "10.96.100.100:80", "-s", "rr");
        director.exec("sh", "-c", "ipvsadm -a -t 10.96.100.100:80 -r 10.244.2.2:80 -w 1 " + ipvsadmTunnel);
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "served by pod2\n");
        pod.exec("busybox", "httpd", "-p", "80", "-h", www.toString());
        Set<Integer> guePorts = encap instanceof Encapsulation.Gue g ? Set.of(g.port()) : Set.of();
        new DsrReceivers().ensure(pod.namespace(), ip("10.244.2.2"), Set.of(ip("10.96.100.100")), guePorts);
        attackerTunnel("10.244.2.2", "10.96.100.100/32", encap);

        assertThat(lab.client.tryExecFails("ping", "-c", "1", "-W", "2", "10.96.100.100"))
                .as("the outsider's " + encap + " into the receiver, no guard").isFalse();

        ReceiverGuards guards = new ReceiverGuards(lab.node(2).namespace());
        guards.clusterNodes(NODES);
        Set<InetAddress> sources = guards.sources();
        assertThat(sources).contains(ip("10.244.2.1"));
        guards.ensure(pod.namespace(), ip("10.244.2.2"), sources, guePorts, false);

        assertThat(lab.client.tryExecFails("ping", "-c", "1", "-W", "2", "10.96.100.100"))
                .as("the outsider's " + encap + " into the receiver, guarded").isTrue();
        assertThat(dropped(pod, EncapGuardRules.POD_TABLE)).as("counted drops").isPositive();
        // The real director, node1's IPVS, encapsulates from 192.168.1.1: accepted; the pod answers the client directly.
        lab.client.exec("ip", "link", "del", "evil");
        assertThat(lab.client.exec("curl", "-sS", "--max-time", "10", "http://10.96.100.100/")).contains("served by pod2");
    }

    @Test
    void dsrReceiverDropsIpipFromOutsideTheClusterAndTakesTheDirector() throws Exception {
        receiverAcceptsOnlyNodes(Encapsulation.IPIP, "-i --tun-type ipip");
    }

    @Test
    void dsrReceiverDropsGueFromOutsideTheClusterAndTakesTheDirector() throws Exception {
        receiverAcceptsOnlyNodes(Encapsulation.gue(5555), "-i --tun-type gue --tun-port 5555");
    }
}
