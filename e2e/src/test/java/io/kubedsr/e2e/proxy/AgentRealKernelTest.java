package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.SyncResult;
import io.vertx.core.Vertx;

/**
 * The whole agent in the VM: fabric8 informers against the fabric8 mock API server (CRUD mode, a stand-in
 * for a cluster) on the VM's loopback, the kernel work in node1's namespace.
 */
@Order(7)
@VmTest(modules = {"ip_vs", "ip_vs_rr"}, timeoutSeconds = 300)
class AgentRealKernelTest {
    private ServiceLab lab;
    private KubernetesMockServer server;
    private Vertx vertx;
    private KubernetesClient client;
    private Agent agent;
    private final List<SyncResult> syncs = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new ServiceLab();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        vertx = Vertx.vertx();
        client = server.createClient(new Vertx5HttpClientFactory(vertx));
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus()
                .build()).create();
        client.services().inNamespace("default").resource(SyncEngineRealKernelTest.web(null)).create();
        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2")).create();
        agent = new Agent(AgentFlags.parse(new String[] {"--health-port=20244", "--cluster-cidr=10.244.0.0/16"}), client, vertx, "node1", lab.node1.namespace());
        agent.onSync(syncs::add);
        agent.start().get(120, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() {
        agent.close();
        client.close();
        vertx.close();
        server.destroy();
        lab.close();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
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
        await("the new endpoint in IPVS", () -> lab.node1.exec("ipvsadm", "-Ln").contains("10.244.1.3:80"));
        System.out.printf("endpoint added: API update to IPVS in %.0f ms (VM, polling every 100 ms)%n", (System.nanoTime() - t0) / 1e6);
        SyncResult incremental = syncs.get(syncs.size() - 1);
        assertThat(syncs.size()).isGreaterThan(before);
        assertThat(incremental.ipvsOperations()).as("one NEWDEST per virtual server of the Service").isEqualTo(2);
        assertThat(answers(9)).containsExactly("pod 10.244.1.2", "pod 10.244.1.3", "pod 10.244.2.2");

        client.discovery().v1().endpointSlices().inNamespace("default")
                .resource(SyncEngineRealKernelTest.slice("10.244.2.2")).update();
        await("the endpoints gone from IPVS", () -> !lab.node1.exec("ipvsadm", "-Ln").contains("10.244.1.2:80"));
        assertThat(answers(4)).containsExactly("pod 10.244.2.2");
    }

    @Test
    void anInvalidAnnotationIsAnEventAndTheServiceIsServedWithTheDefault() throws Exception {
        Service annotated = SyncEngineRealKernelTest.web(null);
        annotated.getMetadata().setAnnotations(Map.of("kube-router.io/service.scheduler", "fastest"));
        client.services().inNamespace("default").resource(annotated).update();
        await("an Event on the Service", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch((Event e) -> "InvalidAnnotation".equals(e.getReason()) && "web".equals(e.getInvolvedObject().getName())));
        assertThat(lab.node1.exec("ipvsadm", "-Ln")).contains("TCP  10.96.0.10:80 rr");
        assertThat(answers(2)).isNotEmpty();
    }

    @Test
    void aDeletedServiceLeavesNothingBehindAndHealthzAnswers() throws Exception {
        assertThat(lab.node1.exec("ip", "addr", "show", "kube-dummy-if")).contains("10.96.0.10/32");
        assertThat(new String(new java.net.URL("http://127.0.0.1:20244/healthz").openStream().readAllBytes())).startsWith("ok");
        client.services().inNamespace("default").withName("web").delete();
        await("the virtual servers removed", () -> !lab.node1.exec("ipvsadm", "-Ln").contains("10.96.0.10"));
        await("the VIP removed", () -> !lab.node1.exec("ip", "addr", "show", "kube-dummy-if").contains("10.96.0.10"));
        assertThat(lab.node1.exec("ipvsadm", "-Ln")).doesNotContain("30080");
    }
}
