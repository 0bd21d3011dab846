package io.kubedsr.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kubedsr.e2e.lab.ApiProxy;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.KernelDump;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.StandInApi;
import io.kubedsr.e2e.proxy.ServiceLab;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.SyncResult;
import io.vertx.core.Vertx;

/**
 * The API server goes away for 30 s (60 s: {@link #OUTAGE}) while a client keeps asking a ClusterIP, a NodePort and a DSR Service through
 * the agent on node1 (in-process, its kernel node1's namespace of {@link ServiceLab}); meanwhile one Service's
 * endpoints move, one Service is deleted and one created; then the API server comes back as a new server with a new
 * resourceVersion history ({@link StandInApi}), so the agent's informers must list again. Figures printed: failed
 * requests per Service and phase, syncs and kernel writes during the outage, the time from the API's return to the
 * kernel holding the changes; and the kernel state afterwards equals what a clean agent makes of the same API in a
 * fresh lab ({@link KernelDump}).
 */
@Order(9)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou"}, timeoutSeconds = 600)
class ApiOutageRealKernelTest {
    static final String DSR_VIP = "198.51.100.10";
    /**
     * 30 s in the build; the 60 s with {@code -Dkube-dsr.vm.jvmArgs=-Dkube-dsr.outage.seconds=60} (the test
     * runs in the VM's JVM).
     */
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("kube-dsr.outage.seconds", 30));
    private static final List<String> FLAGS = List.of("--health-port=0", "--cluster-cidr=10.244.0.0/16",
            "--service-external-ip-range=198.51.100.0/24",
            "--ipvs-sync-period=10s"); // periodic verifications (in steps) in the outage, each of which must write nothing

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final long started = System.nanoTime();

    /** Prints how far the scenario has got, in seconds since it started (where the VM's time goes). */
    private void mark(String what) {
        System.out.printf(Locale.ROOT, "[%6.1f s] %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    @AfterEach
    void tearDown() {
        closeAllBut(null);
    }

    /** Closes what was opened, the latest first, except {@code keep}. */
    private void closeAllBut(AutoCloseable keep) {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            AutoCloseable c = toClose.get(i);
            if (c == keep) {
                continue;
            }
            toClose.remove(i);
            try {
                c.close();
            } catch (Exception e) {
                System.out.println("teardown: " + e);
            }
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    /** ServiceLab with a route for the DSR VIPs to node1, and pod1 serving port 8081 on every address (the VIP too). */
    private ServiceLab lab() throws Exception {
        ServiceLab lab = closing(new ServiceLab());
        lab.router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "pod 10.244.1.2 dsr\n");
        lab.pod1.exec("busybox", "httpd", "-p", "8081", "-h", www.toString());
        return lab;
    }

    private static Service nodePort() {
        return new ServiceBuilder(TestObjects.service("nodeport", "10.96.0.11", 80, null)).editSpec().withType("NodePort")
                .editFirstPort().withNodePort(30080).endPort().endSpec().build();
    }

    private static Service dsr() {
        return TestObjects.annotated(TestObjects.service("dsr", "10.96.0.12", 8081, null, DSR_VIP),
                Map.of("kube-router.io/service.dsr", "tunnel"));
    }

    private static EndpointSlice slice(String service, int port, String... addresses) {
        EndpointSlice s = TestObjects.slice(service, port, "node1", addresses);
        s.getEndpoints().forEach(e -> e.setNodeName(e.getAddresses().get(0).startsWith("10.244.1.") ? "node1" : "node2"));
        return s;
    }

    private static void create(KubernetesClient api, Object... objects) {
        for (Object o : objects) {
            api.resource((io.fabric8.kubernetes.api.model.HasMetadata) o).create();
        }
    }

    /** The cluster before the outage. */
    private static void populate(KubernetesClient api) {
        for (int n = 1; n <= 2; n++) {
            api.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.168.1." + n).endAddress().endStatus().build()).create();
        }
        create(api, TestObjects.service("web", "10.96.0.10", 80, null), slice("web", 80, "10.244.1.2", "10.244.2.2"),
                nodePort(), slice("nodeport", 80, "10.244.1.3", "10.244.2.2"),
                dsr(), slice("dsr", 8081, "10.244.1.2"),
                TestObjects.service("moving", "10.96.0.20", 80, null), slice("moving", 80, "10.244.1.2"),
                TestObjects.service("leaving", "10.96.0.21", 80, null), slice("leaving", 80, "10.244.1.3"));
    }

    /** What changes while the API server is away. */
    private static void changeWhileAway(KubernetesClient api) {
        api.resource(slice("moving", 80, "10.244.2.2")).update();
        api.discovery().v1().endpointSlices().inNamespace("default").withName("leaving-1").delete();
        api.services().inNamespace("default").withName("leaving").delete();
        create(api, TestObjects.service("arriving", "10.96.0.22", 80, null), slice("arriving", 80, "10.244.1.3"));
    }

    /** An agent in the test's JVM whose client reaches the API through {@code proxy}, built as Main builds it. */
    private Agent agent(ApiProxy proxy, TestNamespace node, List<SyncResult> syncs) throws Exception {
        Vertx vertx = Vertx.vertx();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(MockApi.kubeconfig(proxy.url())))
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
        closing(vertx::close);
        closing(client);
        Agent agent = closing(new Agent(AgentFlags.parse(FLAGS.toArray(String[]::new)), client, vertx, "node1", node.namespace()));
        agent.onSync(syncs::add);
        agent.start().get(180, TimeUnit.SECONDS);
        return agent;
    }


    private static String dump(ServiceLab lab) {
        return KernelDump.of(lab.node1, List.of(lab.pod1, lab.pod2));
    }

    private static String ipvs(ServiceLab lab) {
        return lab.node1.exec("ipvsadm", "-Sn");
    }

    private static boolean converged(ServiceLab lab) {
        String ipvs = ipvs(lab);
        // A VIP is local by its route through kube-dummy-if (no address on the link).
        String vips = lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if");
        return ipvs.contains("-a -t 10.96.0.20:80 -r 10.244.2.2:80") && !ipvs.contains("-a -t 10.96.0.20:80 -r 10.244.1.2:80")
                && !ipvs.contains("10.96.0.21:80") && !vips.contains("local 10.96.0.21 ")
                && ipvs.contains("-a -t 10.96.0.22:80 -r 10.244.1.3:80") && vips.contains("local 10.96.0.22 ");
    }

    @Test
    void unchangedServicesAreServedThroughAnOutageAndTheAgentCatchesUpWithANewHistory() throws Exception {
        ServiceLab lab = lab();
        StandInApi before = closing(StandInApi.withHistoryFrom(0));
        populate(before.client());
        ApiProxy proxy = closing(ApiProxy.open(null, before.address()));
        List<SyncResult> syncs = new CopyOnWriteArrayList<>();
        mark("lab and API ready");
        Agent agent = agent(proxy, lab.node1, syncs);
        mark("agent started");
        Await.until("the DSR receiver in pod1", () -> lab.pod1.exec("ip", "-o", "addr").contains(DSR_VIP + "/32"));

        ClientLoop clients = closing(ClientLoop.start(lab.client.namespace(), List.of(
                new ClientLoop.Target("clusterip", "10.96.0.10", 80),
                new ClientLoop.Target("nodeport", "192.168.1.1", 30080),
                new ClientLoop.Target("dsr", DSR_VIP, 8081)), "before"));
        Await.until("requests answered on every Service", () -> clients.tally("before", "clusterip").ok() >= 3
                && clients.tally("before", "nodeport").ok() >= 3 && clients.tally("before", "dsr").ok() >= 3);

        // The API server of the new history holds the same cluster before the outage starts; what changes in it
        // while the agent cannot reach it is what the agent must catch up with.
        StandInApi after = closing(StandInApi.withHistoryFrom(10_000_000));
        after.copyFrom(before.client());
        String atCut = dump(lab);
        mark("outage starts");
        int syncsAtCut = syncs.size();
        clients.phase("outage");
        long cut = System.nanoTime();
        proxy.cut();
        changeWhileAway(after.client());
        boolean healthyThroughout = true;
        while (System.nanoTime() - cut < OUTAGE.toNanos()) {
            healthyThroughout &= agent.health().healthy();
            Thread.sleep(1000);
        }
        List<SyncResult> duringOutage = List.copyOf(syncs.subList(syncsAtCut, syncs.size()));
        String beforeReturn = dump(lab);
        mark("API comes back");

        proxy.forwardTo(after.address());
        clients.phase("after");
        long back = System.nanoTime();
        proxy.restore();
        Await.until("the changes made during the outage in the kernel", Duration.ofSeconds(180), Duration.ofMillis(100),
                () -> converged(lab));
        double convergeSeconds = (System.nanoTime() - back) / 1e9;
        mark("converged");
        Thread.sleep(3000); // a few more requests after the return
        clients.close();

        long writesInOutage = duringOutage.stream().mapToLong(SyncResult::kernelWrites).sum();
        System.out.printf(Locale.ROOT, "API outage of %d s: %d syncs during it (%d kernel writes); agent healthy throughout: %s;"
                + " the changes in the kernel %.1f s after the API came back%n%s", OUTAGE.toSeconds(), duringOutage.size(),
                writesInOutage, healthyThroughout, convergeSeconds, clients.describe());
        for (String target : List.of("clusterip", "nodeport", "dsr")) {
            assertThat(clients.tally("outage", target).ok()).as(target + " asked during the outage").isGreaterThan(0);
            for (String phase : List.of("before", "outage", "after")) {
                assertThat(clients.tally(phase, target).failed()).as(target + " requests failed " + phase + ": "
                        + clients.tally(phase, target)).isZero();
            }
        }
        assertThat(duringOutage).as("periodic verification steps ran during the outage").isNotEmpty();
        assertThat(writesInOutage).as("kernel writes during the outage").isZero();
        assertThat(beforeReturn).as("the kernel during the outage").isEqualTo(atCut);
        assertThat(healthyThroughout).as("/healthz during the outage").isTrue();

        // What a clean agent makes of the same API in a fresh lab: the same kernel state.
        String afterwards = dump(lab);
        closeAllBut(after);
        mark("the clean agent's lab");
        ServiceLab fresh = lab();
        ApiProxy freshProxy = closing(ApiProxy.open(null, after.address()));
        agent(freshProxy, fresh.node1, new CopyOnWriteArrayList<>());
        Await.until("the clean agent's DSR receiver", () -> fresh.pod1.exec("ip", "-o", "addr").contains(DSR_VIP + "/32"));
        assertThat(afterwards).as("the kernel after the outage, against a clean agent's").isEqualTo(dump(fresh));
        mark("compared with the clean agent's kernel");
    }
}
