package io.kubedsr.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmDocker;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.config.AgentFlags;

/**
 * A two-node cluster in the VM, deployed as a user deploys kube-dsr: node containers, a router and a client,
 * the RBAC-enforcing stand-in API server holding two Node objects and {@code deploy/examples} (web, web-nodeport,
 * web-dsr, web-dsr-gue), the example pods, and the agent pods of one DaemonSet file, started on demand.
 *
 * <pre>
 * client 172.16.0.2 -- router -- node1 192.168.1.1 (director) -- pod web-a 10.244.1.10:8080 (bound under /run/netns)
 *                         |  \- node2 192.168.1.2 or, on two subnets, 192.168.2.2 -- pod web-b 10.244.2.10:8080
 *                         \- API stand-in 192.168.1.250 (this JVM)
 * </pre>
 *
 * The router sends the external IPs (198.51.100.0/24) and the cluster IPs to node1. Pod routes between the nodes
 * are the lab's when the DaemonSet's agent runs no overlay, else the agent's.
 */
public final class ClusterLab implements AutoCloseable {
    public final DaemonSetManifest daemonSet;
    public final TestNamespace router;
    public final TestNamespace client;
    public final ClusterApi api;
    public final List<NodeContainer> nodes = new ArrayList<>();
    public final List<Pod> pods = new ArrayList<>();
    private final List<AgentPod> agents = new ArrayList<>();
    private final boolean twoSubnets;

    private ClusterLab(DaemonSetManifest daemonSet, ClusterRole role, boolean twoSubnets) throws Exception {
        this.daemonSet = daemonSet;
        this.twoSubnets = twoSubnets;
        VmDocker.Images images = VmDocker.ready();
        removeLeftovers();
        router = TestNamespace.create();
        client = TestNamespace.create();
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        if (twoSubnets) {
            RoutedLan.secondLan(router);
        }
        api = ClusterApi.start(daemonSet, role, router, twoSubnets);
        for (int n = 1; n <= 2; n++) {
            NodeContainer node = NodeContainer.start("node" + n, images.base());
            nodes.add(node);
            if (n == 2 && twoSubnets) {
                RoutedLan.nodeOnSecondLan(router, node.net(), n);
            } else {
                RoutedLan.node(router, node.net(), n);
            }
        }
        for (NodeContainer node : nodes) {
            // The API server answers the nodes (401: no token yet).
            assertThat(node.net().exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "20",
                    "--cacert", api.tokenDir().resolve("ca.crt").toString(), api.url() + "/version").trim())
                    .as("%s reaches the API stand-in", node.name()).isEqualTo("401");
        }
        pods.add(node(1).pod("web-a", "10.244.1.10", "10.244.1.1", 8080, true));
        pods.add(node(2).pod("web-b", "10.244.2.10", "10.244.2.1", 8080, false));
        router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        router.exec("ip", "route", "add", "10.96.0.0/12", "via", "192.168.1.1");
        if (!AgentFlags.parse(daemonSet.agent().getArgs().toArray(String[]::new)).enableOverlay()) {
            node(1).net().exec("ip", "route", "add", "10.244.2.0/24", "via", nodeAddress(2));
            node(2).net().exec("ip", "route", "add", "10.244.1.0/24", "via", nodeAddress(1));
        }
        KubernetesClient k = api.client();
        for (int n = 1; n <= 2; n++) {
            String cidr = "10.244." + n + ".0/24";
            k.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata()
                    .withNewSpec().withPodCIDR(cidr).withPodCIDRs(cidr).endSpec().withNewStatus().addNewAddress()
                    .withType("InternalIP").withAddress(nodeAddress(n)).endAddress().endStatus().build()).create();
        }
        for (String file : List.of("web.yaml", "web-nodeport.yaml", "web-dsr.yaml")) {
            try (InputStream in = Files.newInputStream(DaemonSetManifest.deployDir().resolve("examples").resolve(file))) {
                for (HasMetadata o : k.load(in).items()) {
                    if (!(o instanceof Deployment)) { // the pods are the lab's
                        k.resource(o).create();
                    }
                }
            }
        }
    }

    /** The cluster with {@code deploy/<file>}'s DaemonSet, RBAC as {@code role} grants, nodes on one or two subnets. */
    public static ClusterLab start(String file, ClusterRole role, boolean twoSubnets) throws Exception {
        return new ClusterLab(DaemonSetManifest.read(file), role, twoSubnets);
    }

    /** Containers of an earlier scenario that did not get to clean up (a timeout kills the JVM, not the VM's dockerd). */
    private static void removeLeftovers() {
        String ids = VmCommands.run("docker", "ps", "-aq", "--filter", "label=org.testcontainers=true").trim();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
            rm.addAll(ids.lines().toList());
            VmCommands.run(rm.toArray(String[]::new));
        }
        VmCommands.tryRun("ip", "link", "del", "kdsr-api");
    }

    public NodeContainer node(int n) {
        return nodes.get(n - 1);
    }

    public String nodeAddress(int n) {
        return n == 2 && twoSubnets ? "192.168.2.2" : "192.168.1." + n;
    }

    /** Starts the pod of the lab's DaemonSet on node {@code n}, the agent container changed by {@code tweak}; does not wait. */
    public AgentPod startAgent(int n, UnaryOperator<ContainerSpec> tweak) {
        return startAgent(n, daemonSet, tweak);
    }

    /** Starts the pod of DaemonSet {@code ds} (another variant: an update) on node {@code n}; does not wait. */
    public AgentPod startAgent(int n, DaemonSetManifest ds, UnaryOperator<ContainerSpec> tweak) {
        AgentPod a = AgentPod.start(ds, node(n), nodeAddress(n), api, tweak);
        agents.add(a);
        return a;
    }

    /**
     * Starts the pods of {@code ds} on node1, then on node2, each once the one before is ready. A DaemonSet's creation
     * starts them at once, but on their own machines: here the nodes share the VM's two emulated CPUs, and two
     * agents starting together (two cold JVMs, each with its first TLS handshake) were measured to outlast the API
     * client's 10 s timeouts (fabric8's defaults): an agent's start failed where a real node's would not.
     */
    public List<AgentPod> startReadyAgents(DaemonSetManifest ds) throws InterruptedException {
        List<AgentPod> started = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            long t = System.nanoTime();
            AgentPod a = startAgent(n, ds, UnaryOperator.identity());
            a.awaitReady(Duration.ofMinutes(5));
            System.out.printf(Locale.ROOT, "%s on node%d: ready %.1f s after its start%n", ds.file(), n, (System.nanoTime() - t) / 1e9);
            started.add(a);
        }
        return started;
    }

    /** One HTTP GET from {@code from}: the body, trimmed; fails on an error. */
    public static String ask(TestNamespace from, String url) {
        return from.exec("curl", "-sS", "--max-time", "10", url).trim();
    }

    public static Set<String> answers(TestNamespace from, String url, int tries) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < tries; i++) {
            seen.add(ask(from, url));
        }
        return seen;
    }

    @Override
    public void close() {
        for (AgentPod a : agents) {
            a.close();
        }
        for (int i = nodes.size() - 1; i >= 0; i--) {
            nodes.get(i).close();
        }
        api.close();
        client.close();
        router.close();
    }
}
