package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;

/**
 * DSR behind ECMP ({@link EcmpLab}): three nodes, each a director running the real agent against the mock API
 * server, a pod on each, and a client holding {@value #STREAMS} long-lived TCP streams to the DSR address. Node 3's
 * director goes (its next hop leaves the router's route, its agent stops, its IPVS state is wiped as a reboot
 * would), then comes back (a fresh agent, the next hop again). Each time the router re-hashes, streams move to
 * another node. With {@code --dsr-scheduler=mh} every stream must survive; with rr (the negative control) the
 * streams that moved break.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_mh", "ip_vs_rr", "ipip", "fou"}, timeoutSeconds = 900)
class EcmpDsrRealKernelTest {
    static final String VIP = "198.51.100.10";
    static final int STREAMS = 64;
    static final int PHASE_LIMIT_SECONDS = 60;
    private static final Pattern SET_ELEMENTS = Pattern.compile("elements = \\{([^}]*)}");

    private EcmpLab lab;
    private MockApi api;
    private KubernetesClient client;
    private final Agent[] agents = new Agent[EcmpLab.NODES];
    private Path control;

    @BeforeEach
    void setUp() throws Exception {
        lab = new EcmpLab(VIP);
        api = MockApi.start();
        client = api.client();
        for (int n = 1; n <= EcmpLab.NODES; n++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.168.1." + n).endAddress().endStatus().build()).create();
        }
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withNamespace("default")
                .withName("web").withAnnotations(Map.of("kube-router.io/service.dsr", "tunnel")).endMetadata().withNewSpec()
                .withType("ClusterIP").withClusterIP("10.96.0.30").withClusterIPs("10.96.0.30").withExternalIPs(VIP)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build()).create();
        // pod1 comes last: it sorts before the others, so every node must reorder its real servers for it (mh).
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice(2, 3)).create();
        control = Files.createTempDirectory("ecmp");
    }

    @AfterEach
    void tearDown() throws Exception {
        Files.writeString(control.resolve("stop"), "");
        for (TestNamespace pod : lab.pods) {
            pod.tryExecFails("pkill", "-f", "dsr-tools.py");
        }
        lab.client.tryExecFails("pkill", "-f", "dsr-tools.py");
        for (Agent a : agents) {
            if (a != null) {
                a.close();
            }
        }
        api.close();
        lab.close();
    }

    static EndpointSlice slice(int... podNumbers) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-1")
                .withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort();
        for (int n : podNumbers) {
            b.addToEndpoints(new EndpointBuilder().withAddresses("10.244." + n + ".2").withNewConditions().withReady(true)
                    .endConditions().withNodeName("node" + n).build());
        }
        return b.build();
    }

    private Agent startAgent(int n, String... extraFlags) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--health-port=0", "--cluster-cidr=10.244.0.0/16",
                "--service-external-ip-range=198.51.100.0/24"));
        flags.addAll(List.of(extraFlags));
        Agent agent = new Agent(AgentFlags.parse(flags.toArray(String[]::new)), client, api.vertx(), "node" + n,
                lab.node(n).namespace());
        agent.start().get(180, TimeUnit.SECONDS);
        return agent;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(120), Duration.ofMillis(250), condition);
    }

    private static String tools() throws Exception {
        return Path.of(EcmpDsrRealKernelTest.class.getResource("/dsr-tools.py").toURI()).toString();
    }

    /** The node's DSR (fwmark) virtual server and its real servers as the kernel lists them; null if none. */
    private static Map.Entry<VirtualServer, List<RealServer>> dsrService(TestNamespace node) {
        try (IpvsClient ipvs = new IpvsClient(node.namespace().openConnection(NetlinkProtocol.GENERIC))) {
            for (VirtualServerStatus vs : ipvs.virtualServers()) {
                if (vs.server().key() instanceof VirtualServerKey.ByFwmark) {
                    return Map.entry(vs.server(), ipvs.realServers(vs.server().key()).stream().map(RealServerStatus::server).toList());
                }
            }
            return null;
        }
    }

    private void awaitDsrOn(int n) throws InterruptedException {
        await("node" + n + "'s DSR service with 3 real servers", () -> {
            var s = dsrService(lab.node(n));
            return s != null && s.getValue().size() == 3;
        });
    }

    /** Counts, per node, the client ports of the streams that arrive there (a dynamic set filled in prerouting). */
    private void installProbes() {
        for (TestNamespace node : lab.nodes) {
            node.exec("nft", "add table ip ecmpprobe; add set ip ecmpprobe ports { type inet_service; flags dynamic; }; "
                    + "add chain ip ecmpprobe pre { type filter hook prerouting priority -300; }; "
                    + "add rule ip ecmpprobe pre iifname eth0 ip saddr 172.16.0.2 ip daddr " + VIP
                    + " tcp dport 80 add @ports { tcp sport }");
        }
    }

    /** Empties the probes: what they count from now on is the next phase's. */
    private void newPhase() {
        for (TestNamespace node : lab.nodes) {
            node.exec("nft", "flush", "set", "ip", "ecmpprobe", "ports");
        }
    }

    /**
     * Where the streams went in one phase: the director of each stream at its end, and the streams that reached
     * another node than their director before it (they moved).
     */
    record Phase(Map<Integer, Set<Integer>> seen, Map<Integer, Integer> directors, Set<Integer> moved) {
    }

    /**
     * Lets the streams run for a while, then reads the probes: the nodes each stream's packets reached since
     * {@link #newPhase} (emptied before the router changes, so a stream's first packet at its new node counts even
     * when it is its last, and its old node may appear too). A stalled stream sends only its retransmissions, whose
     * interval doubles, so the phase lasts until every stream has been seen somewhere, or
     * {@value #PHASE_LIMIT_SECONDS} s.
     */
    private Phase phase(Map<Integer, Integer> before) throws InterruptedException {
        Thread.sleep(4000);
        Map<Integer, Set<Integer>> seen = probes();
        long limit = System.nanoTime() + TimeUnit.SECONDS.toNanos(PHASE_LIMIT_SECONDS);
        while (seen.size() < STREAMS && System.nanoTime() < limit) {
            Thread.sleep(1000);
            seen = probes();
        }
        return phaseOf(seen, before);
    }

    /** The nodes each stream's packets reached since {@link #newPhase}, by client port. */
    private Map<Integer, Set<Integer>> probes() {
        Map<Integer, Set<Integer>> seen = new TreeMap<>();
        for (int n = 1; n <= EcmpLab.NODES; n++) {
            Matcher m = SET_ELEMENTS.matcher(lab.node(n).exec("nft", "list", "set", "ip", "ecmpprobe", "ports"));
            if (m.find()) {
                for (String port : m.group(1).split(",")) {
                    if (!port.isBlank()) {
                        seen.computeIfAbsent(Integer.parseInt(port.trim()), p -> new TreeSet<>()).add(n);
                    }
                }
            }
        }
        return seen;
    }

    /** Each stream's director in a phase (a node other than its director {@code before}, if it reached one). */
    private static Phase phaseOf(Map<Integer, Set<Integer>> seen, Map<Integer, Integer> before) {
        Map<Integer, Integer> directors = new TreeMap<>();
        Set<Integer> moved = new TreeSet<>();
        seen.forEach((port, nodes) -> {
            Integer old = before.get(port);
            Set<Integer> elsewhere = new TreeSet<>(nodes);
            if (old != null) {
                elsewhere.remove(old);
            }
            if (old != null && !elsewhere.isEmpty()) {
                moved.add(port);
            }
            directors.put(port, elsewhere.isEmpty() ? old : elsewhere.iterator().next());
        });
        return new Phase(seen, directors, moved);
    }

    /** One stream as the client saw it. */
    record Stream(int port, String backend, int answers, String verdict) {
    }

    /** What a run measured; {@code dsrServices}: each node's DSR virtual server before, then node 3's rebuilt one. */
    record Outcome(Map<Integer, Stream> streams, Map<Integer, Integer> before, Phase during, Phase after,
            List<Map.Entry<VirtualServer, List<RealServer>>> dsrServices, List<String> sloppy) {
        Set<Integer> movedWhenGone() {
            return during.moved();
        }

        Set<Integer> movedWhenBack() {
            return after.moved();
        }

        Set<Integer> broken() {
            Set<Integer> out = new HashSet<>();
            streams.values().stream().filter(s -> !s.verdict().equals("alive")).forEach(s -> out.add(s.port()));
            return out;
        }

        String figures(String scheduler) {
            Map<String, Integer> verdicts = new TreeMap<>();
            streams.values().forEach(s -> verdicts.merge(s.verdict(), 1, Integer::sum));
            Map<String, Integer> backends = new TreeMap<>();
            streams.values().forEach(s -> backends.merge(String.valueOf(s.backend()), 1, Integer::sum));
            Set<Integer> movedAny = new HashSet<>(movedWhenGone());
            movedAny.addAll(movedWhenBack());
            Set<Integer> brokenMoved = new HashSet<>(broken());
            brokenMoved.retainAll(movedAny);
            return String.format("ECMP %s: %d streams on backends %s; director 3 gone: %d moved; back: %d moved; "
                    + "%d moved at least once, %d of them broken; verdicts %s", scheduler, streams.size(), backends,
                    movedWhenGone().size(), movedWhenBack().size(), movedAny.size(), brokenMoved.size(), verdicts);
        }
    }

    private Outcome run(String... flags) throws Exception {
        for (int n = 1; n <= EcmpLab.NODES; n++) {
            agents[n - 1] = startAgent(n, flags);
        }
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice(1, 2, 3)).update();
        for (int n = 1; n <= EcmpLab.NODES; n++) {
            awaitDsrOn(n);
            TestNamespace pod = lab.pod(n);
            await("pod" + n + "'s receiver holding the VIP", () -> pod.exec("ip", "addr").contains(VIP + "/32"));
            pod.exec("sh", "-c", "python3 " + tools() + " stream-server 80 pod" + n + " </dev/null >/dev/null 2>&1 &");
        }
        List<Map.Entry<VirtualServer, List<RealServer>>> services = new ArrayList<>();
        List<String> sloppy = new ArrayList<>();
        for (TestNamespace node : lab.nodes) {
            services.add(dsrService(node));
            sloppy.add(node.exec("sysctl", "-n", "net.ipv4.vs.sloppy_tcp").trim());
        }
        installProbes();
        Thread.sleep(1500); // the servers start (python under emulation)
        lab.client.exec("sh", "-c", "python3 " + tools() + " stream-client " + VIP + " 80 " + STREAMS + " " + control
                + " </dev/null >" + control.resolve("result") + " 2>&1 &");
        Path progress = control.resolve("progress");
        await(STREAMS + " streams answered", () -> {
            try {
                return Files.exists(progress) && Files.readString(progress).trim().equals("answered " + STREAMS);
            } catch (java.io.IOException e) {
                return false;
            }
        });
        newPhase();
        Phase first = phase(Map.of());
        Map<Integer, Integer> before = first.directors();
        assertThat(first.seen()).as("every stream at one director").hasSize(STREAMS).allSatisfy((port, nodes) ->
                assertThat(nodes).hasSize(1));

        // Director 3 goes: the router stops sending to it, and its state is lost as in a reboot.
        newPhase();
        lab.routeVipVia(1, 2);
        agents[2].close();
        agents[2] = null;
        lab.node(3).exec("ipvsadm", "-C");
        Phase during = phase(before);

        // It comes back: a fresh agent programs it from scratch, then the router sends to it again.
        agents[2] = startAgent(3, flags);
        awaitDsrOn(3);
        services.add(dsrService(lab.node(3))); // built at once by the fresh agent, beside the others' histories
        newPhase();
        lab.routeVipVia(1, 2, 3);
        Phase after = phase(during.directors());

        Files.writeString(control.resolve("stop"), "");
        Path result = control.resolve("result");
        await("the client's verdicts", () -> {
            try {
                return Files.readString(result).contains("done");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        Map<Integer, Stream> streams = new HashMap<>();
        for (String line : Files.readString(result).lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 4) {
                streams.put(Integer.parseInt(f[0]), new Stream(Integer.parseInt(f[0]), f[1], Integer.parseInt(f[2]), f[3]));
            }
        }
        // The last phase read again now that the client is done: a stalled stream that recovered may have sent its
        // next retransmission to its director only after the phase's first reading.
        after = phaseOf(probes(), during.directors());
        assertThat(streams).as("the client's report: %s", Files.readString(result)).hasSize(STREAMS);
        assertThat(before.keySet()).as("every stream seen by a director").containsExactlyInAnyOrderElementsOf(streams.keySet());
        assertThat(before.values()).as("the router spreads the streams over the three nodes").contains(1, 2, 3);
        Outcome outcome = new Outcome(streams, before, during, after, services, sloppy);
        assertThat(outcome.movedWhenGone()).as("every stream of director 3 moved")
                .containsAll(before.entrySet().stream().filter(e -> e.getValue() == 3).map(Map.Entry::getKey).toList());
        assertThat(outcome.movedWhenBack()).as("streams moved to director 3 when it came back").isNotEmpty();
        return outcome;
    }

    @Test
    void withMhEveryStreamSurvivesADirectorGoingAndComingBack() throws Exception {
        Outcome o = run("--dsr-scheduler=mh", "--dsr-scheduler-flags=mh-port");
        System.out.println(o.figures("mh"));
        assertThat(o.dsrServices()).as("the same virtual server and real servers, in the same order, on every node")
                .allSatisfy(s -> assertThat(s).isEqualTo(o.dsrServices().get(0)));
        assertThat(o.dsrServices().get(0).getKey().scheduler().name()).isEqualTo("mh");
        assertThat(o.sloppy()).containsOnly("1");
        assertThat(o.streams().values().stream().map(Stream::backend).distinct().count()).as("mh-port spreads one client")
                .isGreaterThan(1);
        assertThat(o.broken()).as("streams that did not survive").isEmpty();
    }

    @Test
    void withRrTheStreamsThatMoveBreak() throws Exception {
        Outcome o = run();
        System.out.println(o.figures("rr"));
        assertThat(o.dsrServices().get(0).getKey().scheduler().name()).isEqualTo("rr");
        assertThat(o.sloppy()).containsOnly("0");
        Set<Integer> movedAny = new HashSet<>(o.movedWhenGone());
        movedAny.addAll(o.movedWhenBack());
        assertThat(movedAny).as("every broken stream moved").containsAll(o.broken());
        Set<Integer> movedAndBroken = new HashSet<>(movedAny);
        movedAndBroken.retainAll(o.broken());
        assertThat(movedAndBroken.size()).as("moved streams that broke, of %d", movedAny.size())
                .isGreaterThan(movedAny.size() / 2);
        // Which node carried a surviving moved stream at the end is not asserted: a stalled stream's retransmissions
        // come seconds apart, so the probes cannot always tell where it was when it recovered (runs of 2026-12-01
        // saw a surviving stream last at a node other than its first).
    }
}
