package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.SyncResult;

/**
 * The whole agent in the VM: fabric8 informers against the fabric8 mock API server (CRUD mode, a stand-in
 * for a cluster) on the VM's loopback, the kernel work in node1's namespace.
 */
@Order(7)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "nf_conntrack_netlink"}, timeoutSeconds = 400)
class AgentRealKernelTest {
    private ServiceLab lab;
    private MockApi api;
    private KubernetesClient client;
    private Agent agent;
    private final List<SyncResult> syncs = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new ServiceLab();
        api = MockApi.start();
        client = api.client();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus()
                .build()).create();
        client.services().inNamespace("default").resource(SyncEngineRealKernelTest.web(null)).create();
        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2")).create();
        agent = new Agent(AgentFlags.parse(new String[] {"--health-port=20244", "--metrics-port=20245", "--cluster-cidr=10.244.0.0/16"}), client, api.vertx(), "node1", lab.node1.namespace());
        agent.onSync(syncs::add);
        agent.start().get(120, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() {
        agent.close();
        api.close();
        lab.close();
    }

    private Set<String> answers(int tries) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < tries; i++) {
            seen.add(lab.client.exec("curl", "-sS", "--max-time", "10", "http://10.96.0.10/").trim());
        }
        return seen;
    }

    @Test
    void servesTheClusterIpAndFollowsEndpointChangesFromTheApiServer() throws Exception {
        assertThat(answers(6)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        assertThat(agent.health().healthy()).isTrue();
        for (var sysctl : io.kubedsr.proxy.kernel.IpvsSysctls.VALUES.entrySet()) {
            assertThat(lab.node1.namespace().readSysctl(sysctl.getKey())).as(sysctl.getKey()).isEqualTo(sysctl.getValue());
        }

        int before = syncs.size();
        long t0 = System.nanoTime();
        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2", "10.244.1.3")).update();
        Await.until("the new endpoint in IPVS", () -> lab.node1.exec("ipvsadm", "-Ln").contains("10.244.1.3:80"));
        System.out.printf("endpoint added: API update to IPVS in %.0f ms (VM, polling every 100 ms)%n", (System.nanoTime() - t0) / 1e6);
        SyncResult incremental = syncs.get(syncs.size() - 1);
        assertThat(syncs.size()).isGreaterThan(before);
        assertThat(incremental.ipvsOperations()).as("one NEWDEST per virtual server of the Service").isEqualTo(2);
        assertThat(answers(9)).containsExactly("pod 10.244.1.2", "pod 10.244.1.3", "pod 10.244.2.2");

        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(SyncEngineRealKernelTest.slice("10.244.2.2")).update();
        Await.until("the endpoints gone from IPVS", () -> !lab.node1.exec("ipvsadm", "-Ln").contains("10.244.1.2:80"));
        assertThat(answers(4)).containsExactly("pod 10.244.2.2");
    }

    @Test
    void anInvalidAnnotationIsAnEventAndTheServiceIsServedWithTheDefault() throws Exception {
        Service annotated = SyncEngineRealKernelTest.web(null);
        annotated.getMetadata().setAnnotations(Map.of("kube-router.io/service.scheduler", "fastest"));
        client.services().inNamespace("default").resource(annotated).update();
        Await.until("an Event on the Service", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch((Event e) -> "InvalidAnnotation".equals(e.getReason()) && "web".equals(e.getInvolvedObject().getName())));
        assertThat(lab.node1.exec("ipvsadm", "-Ln")).contains("TCP  10.96.0.10:80 rr");
        assertThat(answers(2)).isNotEmpty();
    }

    @Test
    void aDeletedServiceLeavesNothingBehindAndHealthzAnswers() throws Exception {
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if")).contains("local 10.96.0.10 ");
        assertThat(new String(new java.net.URL("http://127.0.0.1:20244/healthz").openStream().readAllBytes())).startsWith("ok");
        client.services().inNamespace("default").withName("web").delete();
        Await.until("the virtual servers removed", () -> !lab.node1.exec("ipvsadm", "-Ln").contains("10.96.0.10"));
        Await.until("the VIP removed",
                () -> !lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if").contains("10.96.0.10"));
        assertThat(lab.node1.exec("ipvsadm", "-Ln")).doesNotContain("30080");
    }

    private static String scrape() throws Exception {
        return new String(new java.net.URL("http://127.0.0.1:20245/metrics").openStream().readAllBytes());
    }

    private static String scrapeQuietly() {
        try {
            return scrape();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double value(String metrics, String series) {
        return metrics.lines().filter(l -> l.startsWith(series + " ")).map(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no series " + series + " in\n" + metrics));
    }

    private List<io.kubedsr.netlink.conntrack.ConntrackEntry> udpEntries(io.kubedsr.netlink.conntrack.Conntrack ct, String rip) {
        return ct.entries(io.kubedsr.netlink.AddressFamily.INET).stream()
                .filter(e -> e.original().destination().getHostAddress().equals("10.96.0.53") && e.original().destinationPort() == 53)
                .filter(e -> e.reply().source().getHostAddress().equals(rip) && e.reply().sourcePort() == 5353).toList();
    }

    @Test
    void metricsCountTheTrafficAndARemovedUdpRealServerLosesOnlyItsConntrackEntries() throws Exception {
        answers(3);
        // IPVS publishes its counters from the rate estimator, every two seconds (kernel 6.1): wait for them
        String web = "kube_router_service_total_connections{namespace=\"default\",service_name=\"web\","
                + "service_vip=\"10.96.0.10\",protocol=\"tcp\",port=\"80\"}";
        Await.until("3 connections counted for web", () -> value(scrapeQuietly(), web) >= 3);

        // A UDP Service, two real servers; four client flows (rr: two each). Unreplied UDP entries would expire
        // after 30 s on their own: 300 s here, so only the flush can remove them within this test.
        lab.node1.exec("sysctl", "-qw", "net.netfilter.nf_conntrack_udp_timeout=300");
        client.services().inNamespace("default").resource(new io.fabric8.kubernetes.api.model.ServiceBuilder()
                .withNewMetadata().withNamespace("default").withName("dns").endMetadata().withNewSpec().withType("ClusterIP")
                .withClusterIP("10.96.0.53").withClusterIPs("10.96.0.53").addNewPort().withName("dns").withProtocol("UDP")
                .withPort(53).endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(dnsSlice("10.244.1.2", "10.244.2.2")).create();
        Await.until("the UDP real servers", () -> lab.node1.exec("ipvsadm", "-Ln").contains("10.244.2.2:5353")
                && lab.node1.exec("ipvsadm", "-Ln").contains("10.244.1.2:5353"));
        for (int port = 41001; port <= 41004; port++) {
            int source = port;
            lab.client.namespace().run(() -> {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket(source)) {
                    s.send(new java.net.DatagramPacket(new byte[] {1}, 1, new java.net.InetSocketAddress("10.96.0.53", 53)));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        try (io.kubedsr.netlink.conntrack.Conntrack ct = new io.kubedsr.netlink.conntrack.Conntrack(
                lab.node1.namespace().openConnection(io.kubedsr.netlink.NetlinkProtocol.NETFILTER))) {
            Await.until("IPVS conntrack entries for both real servers",
                    () -> !udpEntries(ct, "10.244.1.2").isEmpty() && !udpEntries(ct, "10.244.2.2").isEmpty());
            int staying = udpEntries(ct, "10.244.2.2").size();
            int before = syncs.size();
            client.discovery().v1().endpointSlices().inNamespace("default").resource(dnsSlice("10.244.2.2")).update();
            // the sync that deletes the real server flushes before its result is delivered
            Await.until("the sync removing 10.244.1.2:5353", () -> syncs.stream().skip(before).anyMatch(r -> r.ipvsOperations() > 0));
            assertThat(lab.node1.exec("ipvsadm", "-Ln")).doesNotContain("10.244.1.2:5353");
            assertThat(udpEntries(ct, "10.244.1.2")).isEmpty();
            assertThat(udpEntries(ct, "10.244.2.2")).hasSize(staying);
        }
        assertThat(value(scrape(), "kubeproxy_network_programming_duration_seconds_count")).isGreaterThanOrEqualTo(2);
        String dns = "kube_router_service_total_connections{namespace=\"default\",service_name=\"dns\","
                + "service_vip=\"10.96.0.53\",protocol=\"udp\",port=\"53\"}";
        Await.until("4 UDP flows counted for dns", () -> value(scrapeQuietly(), dns) >= 4);
    }

    private static io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice dnsSlice(String... addresses) {
        io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice s = SyncEngineRealKernelTest.slice(addresses);
        s.getMetadata().setName("dns-1");
        s.getMetadata().setLabels(Map.of("kubernetes.io/service-name", "dns"));
        s.getPorts().get(0).setName("dns");
        s.getPorts().get(0).setProtocol("UDP");
        s.getPorts().get(0).setPort(5353);
        return s;
    }
}
