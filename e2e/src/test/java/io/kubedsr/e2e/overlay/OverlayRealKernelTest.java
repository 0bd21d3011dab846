package io.kubedsr.e2e.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.tunnel.TunnelNames;

/**
 * The pod overlay end to end: three agents (one per node namespace) watch the Node objects on the fabric8
 * mock API server and build tunnels and routes; pods talk across them.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 420)
class OverlayRealKernelTest {
    private OverlayLab lab;
    private MockApi api;
    private KubernetesClient client;
    private final List<Agent> agents = new ArrayList<>();
    private final List<OverlaySyncResult> syncs = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new OverlayLab();
        api = MockApi.start();
        client = api.client();
        for (int n = 1; n <= 3; n++) {
            client.nodes().resource(node(n)).create();
        }
    }

    @AfterEach
    void tearDown() {
        stopAgents();
        api.close();
        lab.close();
    }

    /** Node n of {@link OverlayLab}: its pod CIDRs and addresses (IPv4 and IPv6). */
    static Node node(int n) {
        Node node = new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata()
                .withNewSpec().withPodCIDR("10.244." + n + ".0/24").withPodCIDRs("10.244." + n + ".0/24", "fd00:244:" + n + "::/64").endSpec()
                .withNewStatus().endStatus().build();
        node.getStatus().getAddresses().add(new NodeAddress("node" + n, "Hostname"));
        node.getStatus().getAddresses().add(new NodeAddress(OverlayLab.nodeIp(n), "InternalIP"));
        node.getStatus().getAddresses().add(new NodeAddress(OverlayLab.nodeIp6(n), "InternalIP"));
        return node;
    }

    private static Service nodePortService() {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP("10.96.0.10")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(30080).endPort().endSpec().build();
    }

    private void startAgents(String... flags) throws Exception {
        for (int n = 1; n <= 3; n++) {
            List<String> args = new ArrayList<>(List.of("--health-port=0", "--enable-ipv6=true"));
            args.addAll(List.of(flags));
            Agent agent = new Agent(AgentFlags.parse(args.toArray(String[]::new)), client, api.vertx(), "node" + n, lab.node(n).namespace());
            agents.add(agent);
            agent.overlay().onSync(syncs::add);
            agent.start().get(120, TimeUnit.SECONDS);
            agent.overlay().firstSync().get(120, TimeUnit.SECONDS);
        }
    }

    private void stopAgents() {
        agents.forEach(Agent::close);
        agents.clear();
    }

    private static String tun(int n) {
        return TunnelNames.forPeer(IpPrefix.parseAddress(OverlayLab.nodeIp(n)));
    }

    private static String tun6(int n) {
        return TunnelNames.forPeer(IpPrefix.parseAddress(OverlayLab.nodeIp6(n)));
    }

    private List<String> tunnelLinks(int n) {
        return lab.node(n).exec("ip", "-o", "link", "show").lines().filter(l -> l.contains(" tun-"))
                .map(l -> l.split(":")[1].trim().split("@")[0]).sorted().toList();
    }

    private String routes(int n) {
        return lab.node(n).exec("ip", "route", "show") + lab.node(n).exec("ip", "-6", "route", "show");
    }

    /** A full sync of every agent, with nothing changed, writes nothing (the kernel state reads back as planned). */
    private void assertFullSyncWritesNothing() throws InterruptedException {
        syncs.clear();
        agents.forEach(a -> a.overlay().requestFullSync());
        Await.until("a full sync of each agent", () -> syncs.stream().filter(OverlaySyncResult::full).count() >= agents.size());
        assertThat(syncs).allSatisfy(r -> assertThat(r.writes()).as("writes of %s", r).isZero());
    }

    /** Ping (IPv4 and IPv6) and an HTTP request between every pair of pods. */
    private void assertEveryPodPairTalks() {
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    assertThat(lab.pings(from, OverlayLab.podIp(to))).as("ping pod%d -> pod%d", from, to).isTrue();
                    assertThat(lab.pings(from, OverlayLab.podIp6(to))).as("ping6 pod%d -> pod%d", from, to).isTrue();
                    assertThat(lab.fetch(from, to)).as("HTTP pod%d -> pod%d", from, to).isEqualTo("pod " + to);
                }
            }
        }
    }

    @Test
    void subnetModeTunnelsAcrossTheRouterRoutesTheSharedSubnetDirectlyAndFollowsNodeRemoval() throws Exception {
        startAgents();
        // node1 and node2 share 192.168.1.0/24: direct routes between them; node3 is behind the router: tunnels.
        assertThat(tunnelLinks(1)).containsExactlyInAnyOrder(tun(3), tun6(3));
        assertThat(tunnelLinks(2)).containsExactlyInAnyOrder(tun(3), tun6(3));
        assertThat(tunnelLinks(3)).containsExactlyInAnyOrder(tun(1), tun(2), tun6(1), tun6(2));
        assertThat(routes(1)).contains("10.244.2.0/24 via 192.168.1.2 dev eth0 proto 107")
                .contains("10.244.3.0/24 dev " + tun(3) + " scope link src 192.168.1.1")
                .contains("fd00:244:2::/64 via fd00:1::2 dev eth0 proto 107")
                .contains("fd00:244:3::/64 dev " + tun6(3));
        assertThat(routes(3)).contains("10.244.1.0/24 dev " + tun(1)).contains("10.244.2.0/24 dev " + tun(2));
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", tun(3))).contains("ipip").contains("remote 192.168.2.3 local 192.168.1.1")
                .doesNotContain("encap gue");
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", tun6(3))).contains("ip6tnl ip6ip6");
        assertEveryPodPairTalks();
        assertFullSyncWritesNothing();

        client.nodes().withName("node3").delete();
        Await.until("node3's tunnels and routes gone from node1 and node2", () -> tunnelLinks(1).isEmpty() && tunnelLinks(2).isEmpty());
        for (int n = 1; n <= 2; n++) {
            assertThat(routes(n)).doesNotContain("10.244.3.0/24").doesNotContain("fd00:244:3::");
        }
        assertThat(routes(1)).as("node2 is untouched").contains("10.244.2.0/24 via 192.168.1.2");
        assertThat(lab.pings(1, OverlayLab.podIp(3))).as("pod1 -> pod3 after node3 was removed").isFalse();
        assertThat(lab.fetch(1, 2)).isEqualTo("pod 2");

        // node3 back in the API: the peers build its tunnels again.
        client.nodes().resource(node(3)).create();
        Await.until("node3 back on node1", () -> tunnelLinks(1).size() == 2);
        assertEveryPodPairTalks();

        // node1's InternalIP changes: its peers tunnel and route to the new address, node1's tunnels get the new
        // local end, and its NodePort moves to the new address.
        client.services().inNamespace("default").resource(nodePortService()).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder().withNewMetadata()
                .withName("web-1").withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .addNewEndpoint().withAddresses(OverlayLab.podIp(2)).withNewConditions().withReady(true).endConditions().endEndpoint()
                .build()).create();
        Await.until("the NodePort on node1's address", () -> lab.node(1).exec("ipvsadm", "-Ln").contains("192.168.1.1:30080"));
        lab.node(1).exec("ip", "addr", "add", "192.168.1.11/24", "dev", "eth0");
        Node moved = node(1);
        moved.getStatus().getAddresses().set(1, new NodeAddress("192.168.1.11", "InternalIP"));
        client.nodes().resource(moved).update();
        String tunToNew = TunnelNames.forPeer(IpPrefix.parseAddress("192.168.1.11"));
        Await.until("node3 tunnels to node1's new address", () -> tunnelLinks(3).contains(tunToNew) && !tunnelLinks(3).contains(tun(1)));
        Await.until("node2 routes to node1's new address", () -> routes(2).contains("10.244.1.0/24 via 192.168.1.11"));
        Await.until("node1's tunnel to node3 from the new address", () -> lab.node(1).exec("ip", "-d", "link", "show", tun(3))
                .contains("local 192.168.1.11"));
        Await.until("the NodePort on node1's new address only", () -> {
            String ipvs = lab.node(1).exec("ipvsadm", "-Ln");
            return ipvs.contains("192.168.1.11:30080") && !ipvs.contains("192.168.1.1:30080");
        });
        assertEveryPodPairTalks();
        assertFullSyncWritesNothing();
    }

    @Test
    void fullModeOverGueTunnelsEveryPairAndARestartWithIpipConvertsEveryTunnelInPlace() throws Exception {
        startAgents("--overlay-type=full", "--overlay-encap=fou");
        for (int n = 1; n <= 3; n++) {
            int a = n == 1 ? 2 : 1;
            int b = n == 3 ? 2 : 3;
            assertThat(tunnelLinks(n)).as("node%d", n).containsExactlyInAnyOrder(tun(a), tun(b), tun6(a), tun6(b));
            assertThat(lab.node(n).exec("ip", "fou", "show")).contains("port 5555 gue").contains("port 5555 gue -6");
        }
        assertThat(lab.node(1).exec("ip", "-d", "link", "show", tun(2))).contains("encap gue").contains("encap-dport 5555");
        assertThat(routes(1)).contains("10.244.2.0/24 dev " + tun(2)).doesNotContain("proto 107");
        assertEveryPodPairTalks();

        Map<String, String> indexes = new TreeMap<>();
        for (int n = 1; n <= 3; n++) {
            for (String link : tunnelLinks(n)) {
                indexes.put(n + "/" + link, lab.node(n).exec("cat", "/sys/class/net/" + link + "/ifindex").trim());
            }
        }
        stopAgents();
        long t0 = System.nanoTime();
        startAgents("--overlay-type=full", "--overlay-encap=ipip");
        System.out.printf("restart of three agents converting 12 tunnels GUE -> IPIP: %.0f ms%n", (System.nanoTime() - t0) / 1e6);
        for (int n = 1; n <= 3; n++) {
            assertThat(tunnelLinks(n)).as("node%d", n).hasSize(4);
            assertThat(lab.node(n).exec("ip", "fou", "show").lines().sorted().toList()).as("node%d keeps taking GUE, on 5555 only", n)
                    .containsExactly("port 5555 gue", "port 5555 gue -6");
            for (String link : tunnelLinks(n)) {
                assertThat(lab.node(n).exec("ip", "-d", "link", "show", link)).doesNotContain("encap gue");
                assertThat(lab.node(n).exec("cat", "/sys/class/net/" + link + "/ifindex").trim()).as("node%d %s converted in place", n, link)
                        .isEqualTo(indexes.get(n + "/" + link));
            }
        }
        assertThat(lab.node(1).exec("ip", "route", "show", "10.244.2.0/24").lines().count()).isEqualTo(1);
        assertEveryPodPairTalks();
        assertFullSyncWritesNothing();
    }
}
