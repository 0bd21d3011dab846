package io.kubedsr.e2e.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.AgentProcess;
import io.kubedsr.e2e.lab.ApiLink;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.KernelDump;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.Annotations;

/**
 * A DaemonSet's rolling update, as the nodes live it: three agents run as processes ({@code bin/kube-dsr} with the
 * DaemonSets' JVM options) in the three nodes of {@link OverlayLab}, the pods ask a ClusterIP Service whose
 * endpoints are spread over the nodes the whole time, and the agents are restarted one after the other, each new
 * one started as soon as the old one has ended. Every start becomes ready, no request fails, the old agent leaves
 * the node's kernel state as it was when SIGTERM ends it, and the new one adopts it without a write (its metrics,
 * and the node's whole state as the kernel's own tools list it, before the stop, after it and once the new agent
 * is ready). Prints each agent's time from launch to ready and the traffic's timeline around each restart.
 * <p>
 * Each pod is one of the Service's endpoints and a client of it, so IPVS sends a third of its requests back to
 * itself: the Service has kube-router's hairpin annotation, as such a Service needs (without it, or
 * {@code --hairpin-mode}, the SYN comes back to the pod with its own address as the source and is dropped, as
 * with kube-router; user-guide.md).
 */
@Order(9)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "dummy", "ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 1200)
class RollingRestartRealKernelTest {
    private static final String CLUSTER_IP = "10.96.0.10";
    private static final Duration READY_LIMIT = Duration.ofSeconds(300);
    private OverlayLab lab;
    private ApiLink link;
    private MockApi api;
    private Path kubeconfig;
    private final AgentProcess[] agents = new AgentProcess[4];

    @BeforeEach
    void setUp() throws Exception {
        lab = new OverlayLab();
        link = ApiLink.to(lab.router, List.of("192.168.1.0/24", "192.168.2.0/24"));
        api = MockApi.startOn(ApiLink.ADDRESS);
        kubeconfig = api.writeKubeconfig();
        KubernetesClient client = api.client();
        EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata().withName("web-1")
                .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort();
        for (int n = 1; n <= 3; n++) {
            client.nodes().resource(OverlayRealKernelTest.node(n)).create();
            slice.addNewEndpoint().withAddresses(OverlayLab.podIp(n)).withNodeName("node" + n).withNewConditions().withReady(true)
                    .endConditions().endEndpoint();
        }
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("web")
                .addToAnnotations(Annotations.HAIRPIN, "").endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(CLUSTER_IP).withClusterIPs(CLUSTER_IP)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice.build()).create();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int n = 1; n <= 3; n++) {
            if (agents[n] != null && agents[n].isAlive()) {
                agents[n].stop(); // reads its blocked-thread count for the harness's check
            }
            if (agents[n] != null) {
                agents[n].close();
            }
        }
        api.close();
        link.close();
        lab.close();
    }

    private AgentProcess start(int n) throws Exception {
        return AgentProcess.start(lab.node(n), "node" + n, IpPrefix.parseAddress(OverlayLab.nodeIp(n)), kubeconfig,
                List.of("--cluster-cidr=10.244.0.0/16"), List.of());
    }

    private static long metric(AgentProcess agent, String name) {
        return agent.metrics().lines().filter(l -> l.startsWith(name + " ")).mapToLong(l -> (long) Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name));
    }

    private String ipvsConnections(int node) {
        try {
            return lab.node(node).exec("ipvsadm", "-Lnc");
        } catch (IllegalStateException e) {
            return "(" + e.getMessage().trim() + ")";
        }
    }

    /** The lines of {@code after} not in {@code before} ("+") and the reverse ("-"); empty when the states are the same. */
    private static String changes(String before, String after) {
        Set<String> b = new LinkedHashSet<>(before.lines().toList());
        Set<String> a = new LinkedHashSet<>(after.lines().toList());
        StringBuilder out = new StringBuilder();
        b.stream().filter(l -> !a.contains(l)).forEach(l -> out.append("- ").append(l).append('\n'));
        a.stream().filter(l -> !b.contains(l)).forEach(l -> out.append("+ ").append(l).append('\n'));
        return out.toString();
    }

    @Test
    void threeAgentsRestartedOneAfterTheOtherUnderTrafficAllComeBackWithoutAFailedRequest() throws Exception {
        List<String> timings = new ArrayList<>();
        List<AgentProcess> started = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            // One after the other: the nodes are three machines, the VM's one emulated CPU is not; three JVMs
            // starting on it at once would each see a third of it.
            agents[n] = start(n);
            started.add(agents[n]);
            timings.add("node" + n + " first start: " + agents[n].awaitReady(READY_LIMIT).toMillis() + " ms to ready");
        }
        Await.until("every pod reaches the Service", Duration.ofSeconds(120), Duration.ofMillis(500), () -> {
            for (int n = 1; n <= 3; n++) {
                if (lab.pod(n).tryExecFails("curl", "-sS", "--max-time", "5", "http://" + CLUSTER_IP + "/")) {
                    return false;
                }
            }
            return true;
        });

        long t0 = System.nanoTime();
        List<String> timeline = new CopyOnWriteArrayList<>();
        Consumer<String> note = what -> timeline.add(String.format("%6.1f s %s", (System.nanoTime() - t0) / 1e9, what));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread traffic = new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                int from = 1 + i % 3;
                try {
                    String answer = lab.pod(from).exec("curl", "-sS", "--max-time", "5", "http://" + CLUSTER_IP + "/").trim();
                    if (answer.matches("pod [123]")) {
                        ok.incrementAndGet();
                    } else {
                        failures.add("pod" + from + ": " + answer);
                        note.accept("pod" + from + " answered " + answer);
                    }
                } catch (IllegalStateException e) {
                    failures.add("pod" + from + ": " + e.getMessage());
                    // Which real server IPVS chose, and the connection's state: where the request was lost.
                    note.accept("pod" + from + " failed: " + e.getMessage().trim() + "\n  node" + from + "'s IPVS connections:\n"
                            + ipvsConnections(from));
                }
            }
        }, "traffic");
        traffic.start();
        try {
            Await.until("requests flowing", Duration.ofSeconds(60), Duration.ofMillis(200), () -> ok.get() >= 6);
            for (int n = 1; n <= 3; n++) {
                String running0 = KernelDump.node(lab.node(n));
                note.accept("node" + n + " SIGTERM (" + ok.get() + " requests ok so far)");
                int status = agents[n].stop();
                note.accept("node" + n + " stopped");
                assertThat(status).as("node%d's agent stopped by SIGTERM", n).isEqualTo(143);
                agents[n].close();
                assertThat(changes(running0, KernelDump.node(lab.node(n)))).as("node%d's kernel state changed by its agent's stop", n)
                        .isEmpty();
                agents[n] = start(n);
                started.add(agents[n]);
                note.accept("node" + n + " started");
                Duration ready = agents[n].awaitReady(READY_LIMIT);
                note.accept("node" + n + " ready");
                timings.add("node" + n + " restart: " + ready.toMillis() + " ms to ready");
                assertThat(metric(agents[n], "kube_dsr_ipvs_operations_total")).as("node%d's IPVS writes after its restart", n).isZero();
                assertThat(metric(agents[n], "kube_dsr_address_operations_total")).as("node%d's other writes after its restart", n)
                        .isZero();
                assertThat(changes(running0, KernelDump.node(lab.node(n)))).as("node%d's kernel state changed by its restart", n)
                        .isEmpty();
                int before = ok.get();
                Await.until("requests after node" + n + "'s restart", Duration.ofSeconds(60), Duration.ofMillis(200),
                        () -> ok.get() >= before + 3);
            }
        } finally {
            running.set(false);
            traffic.join();
        }
        timings.forEach(System.out::println);
        started.forEach(a -> a.logLines("ready in").forEach(l -> System.out.println("  " + l)));
        timeline.forEach(System.out::println);
        System.out.printf("rolling restart under traffic: %d requests ok, %d failed%n", ok.get(), failures.size());
        assertThat(failures).as("requests that failed during the rolling restart").isEmpty();
    }
}
