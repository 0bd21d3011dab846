package io.kubedsr.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.proxy.ServiceLab;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.TunnelType;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.PodFinder;
import io.kubedsr.proxy.dsr.PodNamespaces;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * The kernel says no, on the real kernel: a scheduler module that cannot be loaded (the whole agent: an Event on that
 * Service, the others served, the next full sync repairs once the module is there), and a DSR pod whose namespace
 * vanishes between the scan that found it and its receiver's write (the engine: that pod gets no traffic, its
 * Service a problem, the other pod answers, a new pod with the IP gets its receiver at the next sync). The ENOBUFS
 * side of the kernel is a case of the IPVS contract (IpvsTableContractRealKernelTest); the engine's logic around all
 * three runs on the host in SyncEngineTest. And a node without the fou module: DSR over IPIP served, GUE a problem.
 */
@Order(9)
// The vanishing pod's case runs first and loads on demand every module the agent needs (dummy, the nftables
// expressions of its rule set): the other two then point the module loader at nothing, which the kernel would
// otherwise meet on the first of those (nft: "cache initialization failed"), depending on which case ran first.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou", "nf_conntrack_netlink", "dummy"}, timeoutSeconds = 300)
class KernelRefusalsRealKernelTest {
    private static final Path MODPROBE = Path.of("/proc/sys/kernel/modprobe");
    private static final String VIP = "198.51.100.10";
    private String savedModprobe;
    private ServiceLab lab;
    private MockApi api;
    private Agent agent;
    private TestNamespace pod3;

    @AfterEach
    void tearDown() throws IOException {
        restoreModprobe();
        VmCommands.tryRun("modprobe", "fou"); // the fou test unloads it
        if (agent != null) {
            agent.close();
        }
        if (api != null) {
            api.close();
        }
        if (pod3 != null) {
            pod3.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private void restoreModprobe() throws IOException {
        if (savedModprobe != null) {
            Files.writeString(MODPROBE, savedModprobe);
            savedModprobe = null;
        }
    }

    private String get(String url) {
        return lab.client.exec("curl", "-sS", "--max-time", "10", url).trim();
    }

    @Test
    @Order(2)
    void aMissingSchedulerModuleIsAnEventTheOthersAreServedAndTheNextFullSyncRepairsIt() throws Exception {
        lab = new ServiceLab(); // first: its bridge and veth modules load on demand
        // As a node missing ip_vs_sh: unloaded, and the kernel's module loader pointed at nothing.
        VmCommands.tryRun("modprobe", "-r", "ip_vs_sh");
        savedModprobe = Files.readString(MODPROBE).trim();
        Files.writeString(MODPROBE, "/nonexistent/modprobe");

        api = MockApi.start();
        KubernetesClient client = api.client();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().withNewStatus().addNewAddress()
                .withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build()).create();
        client.resource(TestObjects.annotated(TestObjects.service("hashed", "10.96.0.30", 80, null),
                Map.of("kube-router.io/service.scheduler", "sh"))).create();
        client.resource(TestObjects.slice("hashed", 80, "node1", "10.244.1.2")).create();
        client.resource(TestObjects.service("web", "10.96.0.10", 80, null)).create();
        client.resource(TestObjects.slice("web", 80, "node2", "10.244.2.2")).create();
        agent = new Agent(AgentFlags.parse(new String[] {"--health-port=0", "--cluster-cidr=10.244.0.0/16"}), client, api.vertx(),
                "node1", lab.node1.namespace());
        SyncResult first = agent.start().get(120, TimeUnit.SECONDS);

        assertThat(first.partialFailure()).isTrue();
        Await.until("a KernelError Event on hashed", () -> client.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch((Event e) -> "KernelError".equals(e.getReason()) && "hashed".equals(e.getInvolvedObject().getName())));
        Event event = client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> "hashed".equals(e.getInvolvedObject().getName())).findFirst().orElseThrow();
        System.out.println("the Event: " + event.getReason() + ": " + event.getMessage());
        assertThat(event.getMessage()).contains("ENOENT");
        assertThat(get("http://10.96.0.10/")).isEqualTo("pod 10.244.2.2");
        assertThat(lab.node1.exec("ipvsadm", "-Sn")).doesNotContain("10.96.0.30");

        restoreModprobe(); // the module can be loaded again: the backed-off full sync repairs it
        long back = System.nanoTime();
        Await.until("the sh virtual server", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> lab.node1.exec("ipvsadm", "-Sn").contains("-A -t 10.96.0.30:80 -s sh"));
        System.out.printf("the sh virtual server %.1f s after the module could be loaded again%n", (System.nanoTime() - back) / 1e9);
        assertThat(get("http://10.96.0.30/")).isEqualTo("pod 10.244.1.2");
        assertThat(get("http://10.96.0.10/")).isEqualTo("pod 10.244.2.2");
    }

    /** The node's pod finder, with a pod whose namespace is deleted right after it was found, once. */
    private static final class VanishingPod implements PodFinder {
        private final PodNamespaces inner;
        private final InetAddress doomed;
        private Runnable delete;

        VanishingPod(PodNamespaces inner, InetAddress doomed, Runnable delete) {
            this.inner = inner;
            this.doomed = doomed;
            this.delete = delete;
        }

        @Override
        public Optional<PodNamespaces.PodNamespace> find(InetAddress podIp) {
            Optional<PodNamespaces.PodNamespace> found = inner.find(podIp);
            if (podIp.equals(doomed) && delete != null && found.isPresent()) {
                delete.run(); // the kubelet deletes the pod now: between the scan and the receiver's write
                delete = null;
            }
            return found;
        }

        @Override
        public int holders(InetAddress podIp) {
            return inner.holders(podIp);
        }

        @Override
        public void invalidate(InetAddress podIp) {
            inner.invalidate(podIp);
        }

        @Override
        public List<PodNamespaces.PodNamespace> allNamespaces() {
            return inner.allNamespaces();
        }

        @Override
        public void cacheSizes(Map<String, Integer> out) {
            inner.cacheSizes(out);
        }
    }

    /** A pod on node1 with {@code 10.244.3.2}, serving port 8081 on every address (the DSR VIP too). */
    private TestNamespace pod3() throws Exception {
        TestNamespace pod = TestNamespace.create();
        lab.node1.tryExecFails("ip", "link", "del", "to-pod3");
        TestNamespace.veth(lab.node1, "to-pod3", "10.244.3.1/24", pod, "eth0", "10.244.3.2/24");
        pod.exec("ip", "route", "add", "default", "via", "10.244.3.1");
        serveDsr(pod, "10.244.3.2");
        return pod;
    }

    private static void serveDsr(TestNamespace pod, String ip) throws IOException {
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "pod " + ip + " dsr\n");
        pod.exec("busybox", "httpd", "-p", "8081", "-h", www.toString());
    }

    @Test
    @Order(1)
    void aPodDeletedBetweenTheScanAndItsReceiverGetsNoTrafficTheOtherPodDoesAndTheNextSyncRecovers() throws Exception {
        lab = new ServiceLab();
        lab.router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        serveDsr(lab.pod1, "10.244.1.2");
        pod3 = pod3();
        ClusterModel model = TestObjects.model(
                TestObjects.annotated(TestObjects.service("web", "10.96.0.12", 8081, null, VIP), Map.of("kube-router.io/service.dsr", "tunnel")),
                TestObjects.slice("web", 8081, "node1", "10.244.1.2", "10.244.3.2"),
                TestObjects.service("other", "10.96.0.10", 80, null), TestObjects.slice("other", 80, "node2", "10.244.2.2"));
        ServiceSnapshot snapshot = node1Snapshot(model);
        IpvsSysctls.apply(lab.node1.namespace(), SysctlDirectory.PROC);
        TestNamespace doomed = pod3;
        VanishingPod finder = new VanishingPod(PodNamespaces.standard(lab.node1.namespace().id()), IpPrefix.parseAddress("10.244.3.2"),
                () -> {
                    // As a runtime deletes a pod: its processes killed, its named namespace deleted; the namespace
                    // goes with its last reference.
                    String pids = TestNamespace.run("ip", "netns", "pids", doomed.name()).trim();
                    if (!pids.isEmpty()) {
                        TestNamespace.run(("kill -9 " + pids.replace('\n', ' ')).split(" +"));
                    }
                    doomed.close();
                    pod3 = null;
                });
        try (IpvsClient ipvs = new IpvsClient(lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC));
                Rtnetlink rtnl = lab.node1.namespace().openRtnetlink()) {
            SyncEngine engine = node1Engine(ipvs, rtnl, finder);
            SyncResult r = engine.fullResync(snapshot);

            assertThat(pod3).as("the pod was deleted during the sync").isNull();
            assertThat(r.problems()).filteredOn(p -> p.reason().equals("DsrReceiverFailed")).extracting(Problem::message)
                    .singleElement().satisfies(m -> assertThat(m).contains("10.244.3.2"));
            System.out.println("the problem: " + r.problems());
            String ipvsState = lab.node1.exec("ipvsadm", "-Sn");
            // The DSR virtual server (tunnel mode, -i) leaves the pod out; the ClusterIP (masquerade) follows the
            // EndpointSlice, which still lists it until the API server hears of the deletion.
            assertThat(ipvsState).contains("-r 10.244.1.2:8081 -i").doesNotContain("-r 10.244.3.2:8081 -i");
            assertThat(lab.pod1.exec("ip", "-o", "addr")).contains(VIP + "/32");
            for (int i = 0; i < 4; i++) {
                assertThat(get("http://" + VIP + ":8081/")).isEqualTo("pod 10.244.1.2 dsr");
            }
            assertThat(get("http://10.96.0.10/")).isEqualTo("pod 10.244.2.2");

            pod3 = pod3(); // a new pod with the IP
            SyncResult next = engine.fullResync(snapshot);
            assertThat(next.problems()).isEmpty();
            assertThat(pod3.exec("ip", "-o", "addr")).contains(VIP + "/32");
            assertThat(lab.node1.exec("ipvsadm", "-Sn")).contains("-r 10.244.3.2:8081 -i");
            Set<String> answers = new java.util.TreeSet<>();
            for (int i = 0; i < 6; i++) {
                answers.add(get("http://" + VIP + ":8081/"));
            }
            assertThat(answers).containsExactly("pod 10.244.1.2 dsr", "pod 10.244.3.2 dsr");
        }
    }

    private static final NodeInfo NODE1 = new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.1")),
            List.of(IpPrefix.parseAddress("192.168.1.1")));

    /** What node1's engine sees: the model, node1, and both nodes' addresses (the receivers' guards let them in). */
    private static ServiceSnapshot node1Snapshot(ClusterModel model) {
        return new ServiceSnapshot(model, NODE1, Set.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("192.168.1.2")));
    }

    /** node1's service engine on the real kernel, its DSR pods found through {@code finder}, started. */
    private SyncEngine node1Engine(IpvsClient ipvs, Rtnetlink rtnl, PodFinder finder) {
        SyncEngine engine = new SyncEngine(AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16",
                "--service-external-ip-range=198.51.100.0/24"}), new ServiceKernel(ipvs, rtnl, new NftTable(lab.node1.namespace()),
                        new DsrPods(finder, lab.node1.namespace(), SysctlDirectory.PROC), UdpConntrack.NONE), Clock.systemUTC());
        engine.start(NODE1);
        return engine;
    }

    /** How many real servers of node1's fwmark (DSR) virtual servers use the tunnel type. */
    private int dsrRealServers(TunnelType type) {
        try (IpvsClient ipvs = new IpvsClient(lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC))) {
            int n = 0;
            for (var vs : ipvs.virtualServers()) {
                if (vs.server().key() instanceof VirtualServerKey.ByFwmark) {
                    for (var rs : ipvs.realServers(vs.server().key())) {
                        if (rs.server().forwarding() instanceof Forwarding.Tunnel t && t.type() == type) {
                            n++;
                        }
                    }
                }
            }
            return n;
        }
    }

    /**
     * A node whose kernel has no fou module (unloaded, the module loader pointed at nothing): the DSR receiver takes
     * IPIP only and does not fail, so the IPIP Service is served; the GUE Service loses the local pod with a problem
     * naming the module (its director would send what the pod cannot take); once the module is loaded the next full
     * sync opens the pod's GUE port and the GUE Service is served through it.
     */
    @Test
    @Order(3)
    void withoutTheFouModuleIpipDsrIsServedAndGueDsrGetsAProblemUntilTheModuleIsLoaded() throws Exception {
        lab = new ServiceLab(); // first: its bridge and veth modules load on demand
        VmCommands.tryRun("modprobe", "-r", "fou6");
        VmCommands.tryRun("modprobe", "-r", "fou");
        savedModprobe = Files.readString(MODPROBE).trim();
        Files.writeString(MODPROBE, "/nonexistent/modprobe");
        assertThat(Files.readString(Path.of("/proc/modules"))).as("fou unloaded").doesNotContainPattern("(?m)^fou ");

        lab.router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        serveDsr(lab.pod1, "10.244.1.2");
        String gueVip = "198.51.100.11";
        ClusterModel model = TestObjects.model(
                TestObjects.annotated(TestObjects.service("plain", "10.96.0.12", 8081, null, VIP),
                        Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", "ipip")),
                TestObjects.slice("plain", 8081, "node1", "10.244.1.2"),
                TestObjects.annotated(TestObjects.service("udp", "10.96.0.13", 8081, null, gueVip),
                        Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", "gue")),
                TestObjects.slice("udp", 8081, "node1", "10.244.1.2"));
        IpvsSysctls.apply(lab.node1.namespace(), SysctlDirectory.PROC);
        try (IpvsClient ipvs = new IpvsClient(lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC));
                Rtnetlink rtnl = lab.node1.namespace().openRtnetlink()) {
            SyncEngine engine = node1Engine(ipvs, rtnl, PodNamespaces.standard(lab.node1.namespace().id()));
            SyncResult r = engine.fullResync(node1Snapshot(model));

            System.out.println("the problems: " + r.problems());
            assertThat(r.failures()).isEmpty();
            assertThat(r.problems()).singleElement().satisfies(p -> {
                assertThat(p.service().name()).isEqualTo("udp");
                assertThat(p.message()).contains("no fou module");
            });
            assertThat(lab.pod1.exec("ip", "-o", "addr")).contains(VIP + "/32").contains(gueVip + "/32");
            assertThat(dsrRealServers(TunnelType.IPIP)).isEqualTo(1);
            assertThat(dsrRealServers(TunnelType.GUE)).as("the GUE Service without the pod").isZero();
            for (int i = 0; i < 3; i++) {
                assertThat(get("http://" + VIP + ":8081/")).isEqualTo("pod 10.244.1.2 dsr");
            }

            restoreModprobe();
            VmCommands.run("modprobe", "fou");
            SyncResult next = engine.fullResync(node1Snapshot(model));
            assertThat(next.problems()).isEmpty();
            assertThat(lab.pod1.exec("ip", "fou", "show")).contains("port 5555 gue");
            assertThat(dsrRealServers(TunnelType.GUE)).isEqualTo(1);
            for (int i = 0; i < 3; i++) {
                assertThat(get("http://" + gueVip + ":8081/")).isEqualTo("pod 10.244.1.2 dsr");
                assertThat(get("http://" + VIP + ":8081/")).isEqualTo("pod 10.244.1.2 dsr");
            }
        }
    }
}
