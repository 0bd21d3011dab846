package io.kubedsr.e2e.switching;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.TunnelType;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.TunnelEncap;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.EnsuredTunnel;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelNames;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * Switching the encapsulation of a live cluster (issue #15): three nodes with a full overlay and a DSR Service
 * whose director is node1, under a 100/s ping between the pods of every pair of nodes, a long-lived TCP echo
 * stream between the pods of every pair, a long-lived DSR echo stream from the client and a client asking the
 * DSR Service in a loop. Nothing may be lost, reset or stall while the encapsulation changes, and nothing stale
 * may be left; the negative controls show that the same measurement does see the drops of the old ways.
 */
@Order(9)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou"}, timeoutSeconds = 1200)
class EncapSwitchRealKernelTest {
    /** Longer than any pause the emulated VM's scheduling causes, far shorter than a stalled TCP connection's. */
    private static final long STALL_MILLIS = 5000;

    private SwitchLab lab;
    private MockApi api;
    private KubernetesClient client;
    private final Agent[] agents = new Agent[4];
    private final List<String> report = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new SwitchLab();
        api = MockApi.start();
        client = api.client();
        for (int n = 1; n <= 3; n++) {
            client.nodes().resource(node(n)).create();
        }
        client.services().inNamespace("default").resource(service(null)).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice()).create();
    }

    @AfterEach
    void tearDown() {
        for (int n = 1; n <= 3; n++) {
            if (agents[n] != null) {
                agents[n].close();
            }
        }
        api.close();
        lab.close();
        report.forEach(System.out::println);
    }

    private static Node node(int n) {
        Node node = new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata()
                .withNewSpec().withPodCIDR("10.244." + n + ".0/24").withPodCIDRs("10.244." + n + ".0/24").endSpec()
                .withNewStatus().endStatus().build();
        node.getStatus().getAddresses().add(new NodeAddress(SwitchLab.nodeIp(n), "InternalIP"));
        return node;
    }

    /** web: DSR on the external IP for HTTP (80) and the echo (9000); {@code encap} the annotation, null: the default. */
    private static Service service(String encap) {
        Map<String, String> annotations = new HashMap<>(Map.of("kube-router.io/service.dsr", "tunnel"));
        if (encap != null) {
            annotations.put("kube-dsr.io/service.dsr-encap", encap);
        }
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").withAnnotations(annotations)
                .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.30").withClusterIPs("10.96.0.30")
                .withExternalIPs(SwitchLab.VIP)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .addNewPort().withName("echo").withProtocol("TCP").withPort(SwitchLab.ECHO_PORT).endPort()
                .endSpec().build();
    }

    private static EndpointSlice slice() {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-1")
                .withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .addNewPort().withName("echo").withProtocol("TCP").withPort(SwitchLab.ECHO_PORT).endPort();
        for (int n = 1; n <= 3; n++) {
            b.addToEndpoints(new EndpointBuilder().withAddresses(SwitchLab.podIp(n)).withNewConditions().withReady(true)
                    .endConditions().withNodeName("node" + n).build());
        }
        return b.build();
    }

    /**
     * What a (re)started agent's first overlay sync did, and how long after the agent's start its tunnels were
     * converted (the overlay's first sync done) and its services synced (the DSR real servers edited).
     */
    private record Restart(int node, String encap, long millisToTunnels, long millisToServices, OverlaySyncResult sync,
            long convertedAtEpochMillis) {
        @Override
        public String toString() {
            return String.format("node%d -> %s: agent start to tunnels converted %d ms (the overlay sync itself %d ms: %d tunnels "
                    + "converted in place, %d kernel writes, done at %.3f), to services synced %d ms", node, encap, millisToTunnels,
                    sync.elapsed().toMillis(), sync.converted(), sync.writes(), convertedAtEpochMillis / 1000.0, millisToServices);
        }
    }

    /**
     * Starts node n's agent with {@code --overlay-encap=encap} (ipip or fou) and {@code more} flags, as a DaemonSet
     * pod would start.
     */
    private Restart startAgent(int n, String encap, String... more) throws Exception {
        long t0 = System.nanoTime();
        List<String> flags = new ArrayList<>(List.of("--health-port=0", "--overlay-type=full", "--overlay-encap=" + encap,
                "--cluster-cidr=10.244.0.0/16", "--service-external-ip-range=198.51.100.0/24",
                // No periodic full sync during a scenario: it would repair what the negative controls break.
                "--ipvs-sync-period=1h"));
        flags.addAll(List.of(more));
        Agent agent = new Agent(AgentFlags.parse(flags.toArray(String[]::new)), client, api.vertx(), "node" + n, lab.node(n).namespace());
        agents[n] = agent;
        CompletableFuture<Long> tunnelsAt = agent.overlay().firstSync().thenApply(r -> System.nanoTime());
        CompletableFuture<Long> tunnelsAtEpoch = agent.overlay().firstSync().thenApply(r -> System.currentTimeMillis());
        agent.start().get(180, TimeUnit.SECONDS);
        long servicesAt = System.nanoTime();
        OverlaySyncResult first = agent.overlay().firstSync().get(180, TimeUnit.SECONDS);
        return new Restart(n, encap, (tunnelsAt.get() - t0) / 1_000_000, (servicesAt - t0) / 1_000_000, first, tunnelsAtEpoch.get());
    }

    /** A DaemonSet update of one node: its agent stops and a new one starts with the new flags. */
    private Restart restartAgent(int n, String encap, String... more) throws Exception {
        agents[n].close();
        agents[n] = null;
        Restart r = startAgent(n, encap, more);
        report.add("  " + r);
        return r;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(120), Duration.ofMillis(200), condition);
    }

    private static String tun(int peer) {
        return TunnelNames.forPeer(IpPrefix.parseAddress(SwitchLab.nodeIp(peer)));
    }

    /** The tunnel links of node n, by name. */
    private Map<String, Link> tunnels(int n) {
        Map<String, Link> out = new TreeMap<>();
        for (Link l : lab.node(n).rtnl().links()) {
            if (TunnelNames.isOurs(l)) {
                out.put(l.name(), l);
            }
        }
        return out;
    }

    private String fouPorts(int n) {
        return lab.node(n).exec("ip", "fou", "show").trim();
    }

    /**
     * Every node has exactly one tunnel to each peer, still the link it had at the start (converted in place, never
     * re-created), sending {@code encap} with the MTU the kernel gives a new link of it on a 1500-byte underlay
     * (1480 IPIP, 1468 GUE), and exactly the GUE receive port 5555.
     */
    private void assertOverlay(Map<Integer, Map<String, Link>> before, TunnelEncap.Type encap) {
        for (int n = 1; n <= 3; n++) {
            Map<String, Link> now = tunnels(n);
            List<String> peers = new ArrayList<>();
            for (int p = 1; p <= 3; p++) {
                if (p != n) {
                    peers.add(tun(p));
                }
            }
            assertThat(now.keySet()).as("node%d's tunnels", n).containsExactlyInAnyOrderElementsOf(peers);
            for (Link l : now.values()) {
                assertThat(l.index()).as("node%d %s is the link it was", n, l.name()).isEqualTo(before.get(n).get(l.name()).index());
                assertThat(((LinkKind.IpTunnel) l.kind()).encap().type()).as("node%d %s sends", n, l.name()).isEqualTo(encap);
                assertThat(l.mtu()).as("node%d %s MTU", n, l.name()).isEqualTo(encap == TunnelEncap.Type.GUE ? 1468 : 1480);
                assertThat(l.isUp()).isTrue();
            }
            assertThat(fouPorts(n)).as("node%d's GUE receive port, and no other", n).isEqualTo("port 5555 gue");
        }
    }

    /**
     * Every node (each is a director) has the two DSR fwmark services, each with exactly the three pods as tunnel
     * real servers of {@code type}; every pod's receiver holds the VIP and takes GUE on 5555 (and IPIP).
     */
    private void assertDsr(TunnelType type) {
        for (int n = 1; n <= 3; n++) {
            try (IpvsClient ipvs = new IpvsClient(lab.node(n).namespace().openConnection(NetlinkProtocol.GENERIC))) {
                List<VirtualServerStatus> fwmarks = ipvs.virtualServers().stream()
                        .filter(v -> v.server().key() instanceof VirtualServerKey.ByFwmark).toList();
                assertThat(fwmarks).as("node%d's DSR services", n).hasSize(2);
                for (VirtualServerStatus vs : fwmarks) {
                    List<RealServerStatus> reals = ipvs.realServers(vs.server().key());
                    assertThat(reals).as("node%d %s", n, vs.server().key()).hasSize(3).allSatisfy(r -> {
                        assertThat(r.server().forwarding()).isEqualTo(type == TunnelType.GUE ? Forwarding.gue(5555) : Forwarding.ipip());
                        assertThat(r.server().weight()).isEqualTo(1);
                    });
                }
            }
        }
        for (int n = 1; n <= 3; n++) {
            assertThat(lab.pod(n).exec("ip", "-o", "addr", "show", "kube-tunnel-if")).as("pod%d's receiver", n)
                    .contains(SwitchLab.VIP + "/32");
            assertThat(lab.pod(n).exec("ip", "fou", "show").trim()).as("pod%d takes GUE on 5555 only", n).isEqualTo("port 5555 gue");
        }
    }

    private boolean dsrRealServersAre(int node, TunnelType type) {
        try (IpvsClient ipvs = new IpvsClient(lab.node(node).namespace().openConnection(NetlinkProtocol.GENERIC))) {
            int matching = 0;
            for (VirtualServerStatus vs : ipvs.virtualServers()) {
                if (vs.server().key() instanceof VirtualServerKey.ByFwmark) {
                    for (RealServerStatus r : ipvs.realServers(vs.server().key())) {
                        if (r.server().forwarding() instanceof Forwarding.Tunnel t && t.type() == type) {
                            matching++;
                        }
                    }
                }
            }
            return matching == 6;
        }
    }

    /** All the traffic of a switch: pings and streams between the pods of every pair, a DSR stream and requests. */
    private final class Traffic {
        final List<PingFlood> pings = new ArrayList<>();
        final List<EchoStream> streams = new ArrayList<>();
        final RequestLoop requests;
        final Map<Integer, Long> fragmentsBefore = new HashMap<>();

        Traffic() throws Exception {
            for (int n = 1; n <= 3; n++) {
                fragmentsBefore.put(n, lab.fragmentsCreated(n));
            }
            for (int[] pair : new int[][] {{1, 2}, {2, 3}, {3, 1}}) {
                String what = "pod" + pair[0] + " <-> pod" + pair[1];
                pings.add(PingFlood.start("ping " + what, lab.pod(pair[0]), SwitchLab.podIp(pair[1])));
                streams.add(EchoStream.start("stream " + what, lab.pod(pair[0]), SwitchLab.podIp(pair[1]), SwitchLab.ECHO_PORT));
            }
            streams.add(EchoStream.start("DSR stream client -> " + SwitchLab.VIP, lab.client, SwitchLab.VIP, SwitchLab.ECHO_PORT));
            requests = RequestLoop.start("DSR requests client -> " + SwitchLab.VIP, lab.client, "http://" + SwitchLab.VIP + "/");
            await("traffic flowing", () -> {
                try {
                    for (PingFlood p : pings) {
                        if (p.receivedSoFar() < 100) {
                            return false;
                        }
                    }
                    for (EchoStream s : streams) {
                        if (s.ended()) {
                            throw new AssertionError("a stream ended before the switch: " + s.stop());
                        }
                        if (s.roundsSoFar() < 20) {
                            return false;
                        }
                    }
                    return requests.answered() >= 3;
                } catch (AssertionError e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        /** Stops everything, reports the counts, and asserts that nothing was lost, reset, stalled or fragmented. */
        void stopAndAssertNothingLost(String title) throws Exception {
            List<PingFlood.Result> p = new ArrayList<>();
            for (PingFlood f : pings) {
                p.add(f.stop());
            }
            List<EchoStream.Result> s = new ArrayList<>();
            for (EchoStream e : streams) {
                s.add(e.stop());
            }
            RequestLoop.Result r = requests.stop();
            report.add(title);
            p.forEach(x -> report.add("  " + x));
            s.forEach(x -> report.add("  " + x));
            report.add("  " + r);
            assertThat(p).allSatisfy(x -> {
                assertThat(x.lost()).as("pings lost: %s", x).isZero();
                assertThat(x.unansweredAtStop()).as("in flight at the stop: %s", x).isLessThanOrEqualTo(5);
                assertThat(x.received()).as("pings answered: %s", x).isGreaterThan(500);
            });
            assertThat(s).allSatisfy(x -> {
                assertThat(x.error()).as("stream reset or corrupted: %s", x).isEqualTo("none");
                assertThat(x.maxGapMillis()).as("stream stalled: %s", x).isLessThan(STALL_MILLIS);
                assertThat(x.rounds()).as("stream round trips: %s", x).isGreaterThan(50);
            });
            assertThat(r.failures()).as("DSR requests failed").isEmpty();
            assertThat(r.ok()).isGreaterThan(10);
            for (int n = 1; n <= 3; n++) {
                assertThat(lab.fragmentsCreated(n)).as("IP fragments made by node%d", n).isEqualTo(fragmentsBefore.get(n));
            }
        }
    }

    private Map<Integer, Map<String, Link>> startAllAndCheck(String encap) throws Exception {
        for (int n = 1; n <= 3; n++) {
            startAgent(n, encap);
        }
        Map<Integer, Map<String, Link>> links = new HashMap<>();
        for (int n = 1; n <= 3; n++) {
            links.put(n, tunnels(n));
        }
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                int f = from;
                int t = to;
                if (f != t) {
                    await("pod" + f + " reaches pod" + t, () -> !lab.pod(f).tryExecFails("ping", "-c", "1", "-W", "2", SwitchLab.podIp(t)));
                }
            }
        }
        await("the DSR Service answers", () -> !lab.client.tryExecFails("curl", "-sS", "--max-time", "5", "http://" + SwitchLab.VIP + "/"));
        return links;
    }

    /** A full sync of every agent, with nothing changed, writes nothing: the kernel is as the agents want it. */
    private void assertFullOverlaySyncsWriteNothing() throws Exception {
        List<OverlaySyncResult> syncs = new CopyOnWriteArrayList<>();
        for (int n = 1; n <= 3; n++) {
            agents[n].overlay().onSync(syncs::add);
            agents[n].overlay().requestFullSync();
        }
        await("a full overlay sync of each agent", () -> syncs.stream().filter(OverlaySyncResult::full).count() >= 3);
        assertThat(syncs).allSatisfy(r -> assertThat(r.writes()).as("writes of %s", r).isZero());
    }

    /**
     * The rolling switch of a DaemonSet update, one node at a time, IPIP -> GUE, then GUE -> IPIP. Node1 is also
     * the DSR director: its restart switches the DSR Service (which follows --overlay-encap) too.
     */
    @Test
    void aRollingSwitchOfThreeNodesIpipToGueToIpipLosesNothing() throws Exception {
        Map<Integer, Map<String, Link>> links = startAllAndCheck("ipip");
        assertOverlay(links, TunnelEncap.Type.NONE);
        assertDsr(TunnelType.IPIP);

        Traffic traffic = new Traffic();
        report.add("rolling switch IPIP -> GUE -> IPIP, one node at a time (agent restarted with the new --overlay-encap):");
        for (String encap : List.of("fou", "ipip")) {
            for (int n = 1; n <= 3; n++) {
                Restart r = restartAgent(n, encap);
                assertThat(r.sync().converted()).as("node%d converted both its tunnels in place", n).isEqualTo(2);
                Thread.sleep(2000); // the mixed cluster carries traffic for a while
            }
            assertOverlay(links, encap.equals("fou") ? TunnelEncap.Type.GUE : TunnelEncap.Type.NONE);
            assertDsr(encap.equals("fou") ? TunnelType.GUE : TunnelType.IPIP);
        }
        traffic.stopAndAssertNothingLost("rolling switch, traffic during both rounds:");

        assertOverlay(links, TunnelEncap.Type.NONE);
        assertDsr(TunnelType.IPIP);
        assertFullOverlaySyncsWriteNothing();
    }

    /**
     * One DSR Service switched by annotation, IPIP -> GUE -> IPIP, while a DSR stream that was established
     * before the switch goes on: the real servers are edited in place on every director, the receivers already
     * take both.
     */
    @Test
    void switchingOneDsrServiceByAnnotationLosesNothing() throws Exception {
        client.services().inNamespace("default").resource(service("ipip")).update();
        Map<Integer, Map<String, Link>> links = startAllAndCheck("ipip");
        assertDsr(TunnelType.IPIP);

        Traffic traffic = new Traffic();
        report.add("DSR Service switched by annotation IPIP -> GUE -> IPIP:");
        for (String encap : List.of("gue", "ipip")) {
            TunnelType type = encap.equals("gue") ? TunnelType.GUE : TunnelType.IPIP;
            long t0 = System.nanoTime();
            client.services().inNamespace("default").resource(service(encap)).update();
            for (int n = 1; n <= 3; n++) {
                int node = n;
                await("node" + n + "'s real servers " + type, () -> dsrRealServersAre(node, type));
            }
            report.add(String.format("  -> %s: annotation written to every director's real servers edited: %d ms", encap,
                    (System.nanoTime() - t0) / 1_000_000));
            Thread.sleep(3000);
            assertDsr(type);
        }
        traffic.stopAndAssertNothingLost("annotation switch, traffic during both switches:");
        assertOverlay(links, TunnelEncap.Type.NONE);
        assertDsr(TunnelType.IPIP);
    }

    /**
     * Moving the GUE port 5555 -> 6666 takes three rollouts, each one node at a time: every node first also takes
     * 6666 ({@code --overlay-encap-receive-ports=6666}); then sends to 6666 while still taking 5555 from the nodes
     * not updated yet; then takes 6666 only. The last rollout closes 5555 everywhere (the restarted agent knows it
     * from the nftables table its predecessor wrote); nothing is lost on the way.
     */
    @Test
    void movingTheGuePortInThreeRolloutsLosesNothingAndClosesTheOldPort() throws Exception {
        Map<Integer, Map<String, Link>> links = startAllAndCheck("fou");
        assertOverlay(links, TunnelEncap.Type.GUE);
        Traffic traffic = new Traffic();
        report.add("GUE port moved 5555 -> 6666 in three rollouts, one node at a time:");
        List<String[]> rollouts = List.of(new String[] {"--overlay-encap-receive-ports=6666"},
                new String[] {"--overlay-encap-port=6666", "--overlay-encap-receive-ports=5555"},
                new String[] {"--overlay-encap-port=6666"});
        for (String[] flags : rollouts) {
            report.add("  rollout " + String.join(" ", flags) + ":");
            for (int n = 1; n <= 3; n++) {
                restartAgent(n, "fou", flags);
                Thread.sleep(2000);
            }
        }
        traffic.stopAndAssertNothingLost("GUE port move, traffic during the three rollouts:");
        for (int n = 1; n <= 3; n++) {
            assertThat(fouPorts(n)).as("node%d takes GUE on 6666 only", n).isEqualTo("port 6666 gue");
            assertThat(lab.pod(n).exec("ip", "fou", "show").trim()).as("pod%d takes GUE on 6666 only", n).isEqualTo("port 6666 gue");
            for (Link l : tunnels(n).values()) {
                assertThat(l.index()).as("node%d %s converted in place", n, l.name()).isEqualTo(links.get(n).get(l.name()).index());
                assertThat(((LinkKind.IpTunnel) l.kind()).encap()).isEqualTo(TunnelEncap.gue(6666));
                assertThat(l.mtu()).isEqualTo(1468);
            }
            try (IpvsClient ipvs = new IpvsClient(lab.node(n).namespace().openConnection(NetlinkProtocol.GENERIC))) {
                for (VirtualServerStatus vs : ipvs.virtualServers()) {
                    if (vs.server().key() instanceof VirtualServerKey.ByFwmark) {
                        assertThat(ipvs.realServers(vs.server().key())).hasSize(3)
                                .allSatisfy(r -> assertThat(r.server().forwarding()).isEqualTo(Forwarding.gue(6666)));
                    }
                }
            }
        }
        assertFullOverlaySyncsWriteNothing();
    }

    /**
     * The same measurements see the drops of the ways kube-dsr no longer switches:
     * <ol>
     * <li>a tunnel converted by delete and create (the old order) ten times under a 100/s ping loses pings, where
     * the same ten conversions in place lose none;</li>
     * <li>a pod whose receiver has no GUE port (kube-dsr before: only GUE Services got one) fails requests once
     * its Service switches to GUE;</li>
     * <li>a node whose GUE port is closed (kube-dsr before: only a GUE node had one) loses its peer's pings once
     * that peer is switched to GUE, the drop kube-router's documentation warns of.</li>
     * </ol>
     */
    @Test
    void negativeControlsTheOldWaysLosePacketsInTheSameMeasurement() throws Exception {
        client.services().inNamespace("default").resource(service("ipip")).update();
        startAllAndCheck("ipip");
        report.add("negative controls:");

        // 1. Ten conversions of node1's tunnel to node2, in place, then by delete and create.
        try (NetlinkConnection generic = lab.node(1).namespace().openConnection(NetlinkProtocol.GENERIC)) {
            NodeTunnels tunnels = new NodeTunnels(lab.node(1).rtnl(), generic);
            List<IpPrefix> pod2 = List.of(IpPrefix.parse("10.244.2.0/24"));
            for (boolean inPlace : new boolean[] {true, false}) {
                PingFlood ping = PingFlood.start("ping pod1 <-> pod2, ten conversions " + (inPlace ? "in place" : "by delete and create"),
                        lab.pod(1), SwitchLab.podIp(2));
                Thread.sleep(1000);
                for (int i = 0; i < 10; i++) {
                    Encapsulation e = i % 2 == 0 ? Encapsulation.gue(5555) : Encapsulation.IPIP;
                    TunnelSpec spec = TunnelSpec.of(IpPrefix.parseAddress(SwitchLab.nodeIp(1)), IpPrefix.parseAddress(SwitchLab.nodeIp(2)), e);
                    if (!inPlace) {
                        // What kube-dsr did before: delete the link, create it with the new encapsulation, route again.
                        lab.node(1).rtnl().deleteLink(lab.node(1).rtnl().link(spec.linkName()).orElseThrow().index());
                    }
                    EnsuredTunnel t = tunnels.ensure(spec);
                    tunnels.ensureRoutes(t, pod2, Route.TABLE_MAIN, inPlace ? lab.node(1).rtnl().routes(spec.family(), Route.TABLE_MAIN)
                            : List.of());
                    Thread.sleep(200);
                }
                Thread.sleep(1000);
                PingFlood.Result r = ping.stop();
                report.add("  " + r);
                if (inPlace) {
                    assertThat(r.lost()).as("in place: %s", r).isZero();
                } else {
                    assertThat(r.lost()).as("delete and create: %s", r).isPositive();
                }
            }
        }

        // 2. pod2's receiver without its GUE port, its Service switched to GUE.
        lab.pod(2).exec("ip", "fou", "del", "port", "5555");
        RequestLoop requests = RequestLoop.start("DSR requests, pod2's GUE port closed, Service switched to GUE", lab.client,
                "http://" + SwitchLab.VIP + "/");
        await("requests flowing", () -> requests.answered() >= 3);
        client.services().inNamespace("default").resource(service("gue")).update();
        await("node1's real servers GUE", () -> dsrRealServersAre(1, TunnelType.GUE));
        long okAtSwitch = requests.answered();
        await("more requests", () -> requests.answered() >= okAtSwitch + 6 && requests.failuresSoFar().size() >= 1);
        RequestLoop.Result r = requests.stop();
        report.add("  " + r);
        assertThat(r.failures()).as("requests to pod2 fail without its GUE port").isNotEmpty();
        lab.pod(2).exec("ip", "fou", "add", "port", "5555", "gue");
        client.services().inNamespace("default").resource(service("ipip")).update();
        await("node1's real servers IPIP", () -> dsrRealServersAre(1, TunnelType.IPIP));

        // 3. node2's GUE port closed, node1 switched to GUE.
        lab.node(2).exec("ip", "fou", "del", "port", "5555");
        PingFlood ping = PingFlood.start("ping pod1 <-> pod2, node2's GUE port closed, node1 switched to GUE", lab.pod(1),
                SwitchLab.podIp(2));
        Thread.sleep(1000);
        restartAgent(1, "fou");
        Thread.sleep(2000);
        PingFlood.Result lost = ping.stop();
        report.add("  " + lost);
        assertThat(lost.lost()).as("node2 drops node1's GUE: %s", lost).isPositive();
        assertThat(tunnels(1).get(tun(2)).kind()).isInstanceOfSatisfying(LinkKind.IpTunnel.class,
                t -> assertThat(t.encap().type()).isEqualTo(TunnelEncap.Type.GUE));
    }
}
