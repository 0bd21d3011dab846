package io.kubedsr.e2e.demo;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;

/**
 * The sandbox demo (the README's first command, {@code scripts/demo}), run inside the real-kernel VM: two
 * nodes, a router and a client as network namespaces, a stand-in API server holding deploy/examples, the real
 * agent on both nodes, and requests to a ClusterIP, a NodePort and two DSR Services (IPIP and GUE), with the
 * counters that show DSR replies bypass the director; then {@code kube-dsr status} of node1.
 *
 * <pre>
 * client 172.16.0.2 -- router -- node1 192.168.1.1 (director) -- pod web-a 10.244.1.10
 *                             \- node2 192.168.1.2 ------------- pod web-b 10.244.2.10
 * </pre>
 */
public final class Demo {
    private static final String[] FLAGS = {"--health-port=0", "--cluster-cidr=10.244.0.0/16",
            "--service-external-ip-range=198.51.100.0/24", "--overlay-encap=ipip"};

    private final Path project;
    private final List<TestNamespace> namespaces = new ArrayList<>();
    private TestNamespace router;
    private TestNamespace client;
    private TestNamespace node1;
    private TestNamespace node2;
    private int step;

    private Demo(Path project) {
        this.project = project;
    }

    public static void main(String[] args) throws Exception {
        Path project = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        // The stand-in API server logs every request through java.util.logging: only warnings in the demo.
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(java.util.logging.Level.WARNING);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(java.util.logging.Level.WARNING);
        }
        long t0 = System.nanoTime();
        boolean ok = new Demo(project).run();
        System.out.printf(Locale.ROOT, "%n==> demo %s in %.0f s (inside the VM); the sandbox is gone%n",
                ok ? "finished" : "FAILED", (System.nanoTime() - t0) / 1e9);
        System.exit(ok ? 0 : 1);
    }

    private void say(String text) {
        System.out.printf("%n==> [%d] %s%n", ++step, text);
    }

    private TestNamespace ns() {
        TestNamespace n = TestNamespace.create();
        namespaces.add(n);
        return n;
    }

    private boolean run() throws Exception {
        MockApi mockApi = null;
        List<Agent> agents = new ArrayList<>();
        try {
            say("building the sandbox: a router, a client, node1 and node2 (network namespaces in a real Debian kernel)");
            buildNetwork();

            say("starting a stand-in API server (fabric8's mock server in CRUD mode, not a real cluster) with deploy/examples");
            mockApi = MockApi.start();
            KubernetesClient api = mockApi.client();
            for (int n = 1; n <= 2; n++) {
                api.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata().withNewStatus()
                        .addNewAddress().withType("InternalIP").withAddress("192.168.1." + n).endAddress().endStatus().build()).create();
            }
            for (String file : List.of("web.yaml", "web-nodeport.yaml", "web-dsr.yaml")) {
                try (InputStream in = Files.newInputStream(project.resolve("deploy/examples").resolve(file))) {
                    for (HasMetadata o : api.load(in).items()) {
                        api.resource(o).create();
                        System.out.printf("    %s %s/%s%n", o.getKind(), o.getMetadata().getNamespace(), o.getMetadata().getName());
                    }
                }
            }

            say("starting the kube-dsr agent on node1 and on node2 (" + String.join(" ", FLAGS) + ")");
            for (TestNamespace node : List.of(node1, node2)) {
                long t = System.nanoTime();
                Agent agent = new Agent(AgentFlags.parse(FLAGS), api, mockApi.vertx(), node == node1 ? "node1" : "node2", node.namespace());
                agents.add(agent);
                var first = agent.start().get(180, TimeUnit.SECONDS);
                System.out.printf(Locale.ROOT, "    %s: first full sync done, %d IPVS writes, %d other writes, %.1f s%n",
                        node == node1 ? "node1" : "node2", first.ipvsOperations(), first.addressOperations(), (System.nanoTime() - t) / 1e9);
            }
            Await.until("the DSR receivers: 198.51.100.11 in web-a, 198.51.100.10 in web-b", Duration.ofSeconds(60),
                    Duration.ofMillis(200), () -> namespaces.get(4).exec("ip", "addr").contains("198.51.100.11/32")
                            && namespaces.get(5).exec("ip", "addr").contains("198.51.100.10/32"));

            say("ClusterIP: node2 asks web (10.96.10.80:80, pods on :8080) twice");
            ask(node2, "http://10.96.10.80/", 2);
            say("NodePort: the client asks node1:30080 (web-nodeport) twice");
            ask(client, "http://192.168.1.1:30080/", 2);
            counters();
            say("DSR over IPIP: the client asks web-dsr (external IP 198.51.100.10:8080) four times; node1 directs");
            ask(client, "http://198.51.100.10:8080/", 4);
            say("DSR over GUE: the client asks web-dsr-gue (external IP 198.51.100.11:8080) four times");
            ask(client, "http://198.51.100.11:8080/", 4);
            say("the proof that DSR replies bypassed the director");
            String node1Count = packets(node1);
            String node2Count = packets(node2);
            System.out.println("    replies from the DSR VIPs entering node1 from the network: " + node1Count
                    + " packets (none: the pod on node2 answers the client directly)");
            System.out.println("    replies from the DSR VIPs leaving web-b through node2:       " + node2Count + " packets");
            boolean fwmark = false;
            for (String line : node1.exec("ipvsadm", "-Ln", "--stats").lines().toList()) {
                if (!line.trim().startsWith("->")) {
                    fwmark = line.startsWith("FWM");
                }
                if (line.startsWith("Prot") || fwmark && (line.startsWith("FWM") || line.contains("-> 10.244.2.10"))) {
                    System.out.println("    " + line);
                }
            }
            System.out.println("    (IPVS OutPkts 0 for web-b: the director never saw one of its replies. web-a runs on node1"
                    + " itself, so its replies do cross node1.)");
            System.out.println("    inside web-b: " + namespaces.get(5).exec("ip", "-br", "addr", "show", "kube-tunnel-if").trim()
                    + "; ip fou: " + namespaces.get(5).exec("ip", "fou", "show").trim());

            say("kube-dsr status on node1 (bin/kube-dsr status --netns " + node1.name() + "; in this sandbox every"
                    + " pod namespace is visible to every node, so the receivers of both nodes' pods are listed)");
            Path kubeconfig = mockApi.writeKubeconfig();
            ProcessBuilder statusCommand = new ProcessBuilder(project.resolve("bin/kube-dsr").toString(), "status", "--netns", node1.name(),
                    "--kubeconfig", kubeconfig.toString()).redirectErrorStream(true);
            statusCommand.environment().put("KUBE_DSR_JAVA_OPTS", "-XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=error");
            Process status = statusCommand.start();
            System.out.print(new String(status.getInputStream().readAllBytes()));
            status.waitFor(120, TimeUnit.SECONDS);
            return true;
        } catch (Exception | AssertionError e) {
            System.out.println("demo failed: " + e);
            e.printStackTrace(System.out);
            return false;
        } finally {
            say("cleaning up: agents stopped, the stand-in API server stopped, the namespaces deleted");
            agents.forEach(Agent::close);
            if (mockApi != null) {
                mockApi.close();
            }
            for (int i = namespaces.size() - 1; i >= 0; i--) {
                namespaces.get(i).close();
            }
        }
    }

    private void buildNetwork() throws Exception {
        router = ns();
        client = ns();
        node1 = ns();
        node2 = ns();
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        RoutedLan.node(router, node1, 1);
        RoutedLan.node(router, node2, 2);
        // The external IPs are routed to node1, as a router or load balancer in front of a cluster would.
        router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        node1.exec("ip", "route", "add", "10.244.2.0/24", "via", "192.168.1.2");
        node2.exec("ip", "route", "add", "10.244.1.0/24", "via", "192.168.1.1");
        int n = 1;
        for (String name : List.of("web-a", "web-b")) {
            TestNamespace node = n == 1 ? node1 : node2;
            TestNamespace pod = ns();
            String ip = "10.244." + n + ".10";
            TestNamespace.veth(node, "to-" + name, "10.244." + n + ".1/24", pod, "eth0", ip + "/24");
            pod.exec("ip", "route", "add", "default", "via", "10.244." + n + ".1");
            Path www = Files.createTempDirectory("www");
            Files.writeString(www.resolve("index.html"), "answered by pod " + name + " (" + ip + ") on node" + n + "\n");
            // Listening on every address: a DSR pod receives connections to the VIP.
            pod.exec("busybox", "httpd", "-p", "8080", "-h", www.toString());
            System.out.printf("    pod %s %s on node%d serves HTTP on :8080%n", name, ip, n);
            n++;
        }
        // Counters of replies from the DSR VIPs: arriving at node1 from the network, and leaving web-b into node2.
        for (TestNamespace node : List.of(node1, node2)) {
            node.exec("nft", "add table ip demo; add chain ip demo pre { type filter hook prerouting priority -300; }; "
                    + "add rule ip demo pre ip saddr 198.51.100.0/24 iifname " + (node == node1 ? "eth0" : "to-web-b") + " counter");
        }
    }

    /** Zeroes the demo's reply counters. */
    private void counters() {
        for (TestNamespace node : List.of(node1, node2)) {
            node.exec("nft", "reset counters table ip demo");
        }
    }

    /** Asks {@code url} from {@code from} {@code times} times and prints each answer. */
    private static void ask(TestNamespace from, String url, int times) {
        for (int i = 0; i < times; i++) {
            System.out.println("    " + from.exec("curl", "-sS", "--max-time", "10", url).trim());
        }
    }

    private static String packets(TestNamespace node) {
        String chain = node.exec("nft", "list", "chain", "ip", "demo", "pre");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("packets (\\d+)").matcher(chain);
        return m.find() ? m.group(1) : "?";
    }
}
