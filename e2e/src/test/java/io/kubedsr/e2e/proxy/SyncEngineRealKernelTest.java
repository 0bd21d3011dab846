package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.kernel.Cleanup;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * The agent's sync engine against the VM kernel, driven with Service and EndpointSlice objects directly
 * (the API-server side is tested separately): ClusterIP and NodePort traffic, minimal incremental writes,
 * drift repair, other parties' services untouched, restart without writes, cleanup.
 *
 * <pre>
 * client 172.16.0.2 -- router -- node1 192.168.1.1 (director, kube-dummy-if) -- pod1 10.244.1.2 (+10.244.1.3)
 *                             \- node2 192.168.1.2 -- pod2 10.244.2.2
 * </pre>
 */
@Order(6)
@VmTest(modules = {"ip_vs", "ip_vs_rr"}, timeoutSeconds = 300)
class SyncEngineRealKernelTest {
    private static final ServiceRef WEB = new ServiceRef("default", "web");
    private ServiceLab lab;
    private IpvsClient ipvs;
    private Rtnetlink rtnl;
    private ClusterModel model;
    private NodeInfo node;
    private AgentConfig config;

    @BeforeEach
    void setUp() throws Exception {
        lab = new ServiceLab();
        TestNamespace node1 = lab.node1;
        ipvs = new IpvsClient(node1.namespace().openConnection(NetlinkProtocol.GENERIC));
        rtnl = node1.namespace().openRtnetlink();
        model = new ClusterModel();
        model.putService(web(null));
        model.putSlice(slice("10.244.1.2", "10.244.2.2"));
    }

    @AfterEach
    void tearDown() {
        ipvs.close();
        rtnl.close();
        lab.close();
    }

    static Service web(String externalTrafficPolicy) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP("10.96.0.10").withClusterIPs("10.96.0.10")
                .withExternalTrafficPolicy(externalTrafficPolicy)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(30080).endPort()
                .endSpec().build();
    }

    static EndpointSlice slice(String... addresses) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String a : addresses) {
            endpoints.add(new EndpointBuilder().withAddresses(a).withNewConditions().withReady(true).endConditions()
                    .withNodeName(a.startsWith("10.244.1.") ? "node1" : "node2").build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-1")
                .withLabels(Map.of("kubernetes.io/service-name", "web")).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().withEndpoints(endpoints).build();
    }

    private SyncEngine engine(String... flags) {
        return engine(new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.1")), List.of(IpPrefix.parseAddress("192.168.1.1"))),
                flags);
    }

    private SyncEngine engine(NodeInfo node, String... flags) {
        List<String> all = new ArrayList<>(List.of("--cluster-cidr=10.244.0.0/16"));
        all.addAll(List.of(flags));
        config = AgentFlags.parse(all.toArray(String[]::new));
        IpvsSysctls.apply(lab.node1.namespace(), SysctlDirectory.PROC); // as the agent does at start: conntrack=1 lets nft masquerade IPVS traffic
        this.node = node;
        SyncEngine engine = new SyncEngine(config, kernel(), Clock.systemUTC());
        engine.start(node);
        return engine;
    }

    private ServiceKernel kernel() {
        return new ServiceKernel(ipvs, rtnl, new NftTable(lab.node1.namespace()), PodReceivers.NONE, UdpConntrack.NONE);
    }

    /** What the agent hands the engine: the model, this node, every node's addresses. */
    private ServiceSnapshot snapshot() {
        return new ServiceSnapshot(model, node, Set.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("192.168.1.2")));
    }

    private String get(String url) {
        return lab.client.exec("curl", "-sS", "--max-time", "10", url);
    }

    private Set<String> answers(String url, int tries) {
        Set<String> seen = new java.util.TreeSet<>();
        for (int i = 0; i < tries; i++) {
            seen.add(get(url).trim());
        }
        return seen;
    }

    @Test
    void clusterIpAndNodePortServeTrafficFromAClient() {
        SyncResult first = engine().fullResync(snapshot());
        // Replies from node2's pod reach the client only because the director masquerades outside traffic.
        assertThat(lab.node1.exec("nft", "list", "table", "inet", "kube-dsr")).contains("10.96.0.10 . tcp . 80")
                .contains("192.168.1.1 . tcp . 30080").contains("10.244.0.0/16").contains("masquerade");
        assertThat(first.failures()).isEmpty();
        // The VIP is local by its route alone: no address on kube-dummy-if.
        assertThat(lab.node1.exec("ip", "addr", "show", "kube-dummy-if")).doesNotContain("10.96.0.10");
        assertThat(lab.node1.exec("ipvsadm", "-Ln")).contains("TCP  10.96.0.10:80 rr").contains("10.244.1.2:80")
                .contains("10.244.2.2:80").contains("TCP  192.168.1.1:30080 rr");
        assertThat(answers("http://10.96.0.10/", 6)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        assertThat(answers("http://192.168.1.1:30080/", 6)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        // As kube-router's: the VIP's local route has the node's address as source, so the node itself reaches the
        // Service from 192.168.1.1.
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if"))
                .contains("local 10.96.0.10 proto kernel scope host src 192.168.1.1");
        assertThat(lab.node1.exec("ip", "route", "get", "10.96.0.10")).contains("src 192.168.1.1");
        Set<String> fromNode = new java.util.TreeSet<>();
        for (int i = 0; i < 6; i++) {
            fromNode.add(lab.node1.exec("curl", "-sS", "--max-time", "10", "http://10.96.0.10/").trim());
        }
        assertThat(fromNode).as("the node's own client, pod2 answering across the LAN").containsExactly("pod 10.244.1.2",
                "pod 10.244.2.2");
    }

    @Test
    void dualStackVipsGetTheNodesSourcesAndLeaveWithTheService() {
        lab.node1.exec("ip", "-6", "addr", "add", "fd00:1::1/64", "dev", "eth0", "nodad");
        Service dual = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("dual").endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.20").withClusterIPs("10.96.0.20", "fd00:96::20")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build();
        model.putService(dual);
        List<java.net.InetAddress> addresses = List.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("fd00:1::1"));
        NodeInfo node = new NodeInfo("node1", addresses, addresses);
        engine(node, "--enable-ipv6=true").fullResync(snapshot());
        assertThat(lab.node1.exec("ip", "-6", "route", "show", "table", "local", "dev", "kube-dummy-if").lines()
                .filter(l -> l.contains("fd00:96::20")).toList()).singleElement()
                .satisfies(l -> assertThat(l).contains("local fd00:96::20 proto kernel src fd00:1::1 metric 1024"));
        assertThat(lab.node1.exec("ip", "-6", "route", "get", "fd00:96::20")).contains("src fd00:1::1");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if"))
                .contains("local 10.96.0.20 proto kernel scope host src 192.168.1.1");

        SyncEngine restarted = engine(node, "--enable-ipv6=true");
        assertThat(restarted.fullResync(snapshot()).kernelWrites()).as("adopted: routes as wanted").isZero();

        model.removeService(dual);
        assertThat(restarted.syncServices(List.of(new ServiceRef("default", "dual")), snapshot()).addressOperations())
                .as("two routes and the nftables table").isEqualTo(3);
        assertThat(lab.node1.exec("ip", "-6", "route", "show", "table", "local", "dev", "kube-dummy-if")).doesNotContain("fd00:96::20");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if")).doesNotContain("10.96.0.20");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if")).contains("10.96.0.10");
    }

    @Test
    void scalingUpAndDownIsOneNetlinkOperationEach() {
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        long before = ipvs.connection().requestsSent();
        model.putSlice(slice("10.244.1.2", "10.244.2.2", "10.244.1.3"));
        SyncResult up = engine.syncServices(List.of(WEB), snapshot());
        // one NEWDEST for the ClusterIP and one for the NodePort virtual server; no dump, nothing else
        assertThat(up.ipvsOperations()).isEqualTo(2);
        assertThat(ipvs.connection().requestsSent() - before).isEqualTo(2);
        assertThat(answers("http://10.96.0.10/", 9)).containsExactly("pod 10.244.1.2", "pod 10.244.1.3", "pod 10.244.2.2");

        before = ipvs.connection().requestsSent();
        model.putSlice(slice("10.244.1.2"));
        SyncResult down = engine.syncServices(List.of(WEB), snapshot());
        assertThat(down.ipvsOperations()).isEqualTo(4); // two DELDEST per virtual server
        assertThat(ipvs.connection().requestsSent() - before).isEqualTo(4);
        assertThat(answers("http://10.96.0.10/", 4)).containsExactly("pod 10.244.1.2");

        assertThat(engine.syncServices(List.of(WEB), snapshot()).kernelWrites()).as("nothing changed").isZero();
    }

    @Test
    void externalTrafficPolicyLocalServesNodePortsFromLocalPodsOnly() {
        model.putService(web("Local"));
        engine().fullResync(snapshot());
        assertThat(answers("http://192.168.1.1:30080/", 6)).containsExactly("pod 10.244.1.2");
        assertThat(answers("http://10.96.0.10/", 6)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
    }

    @Test
    void theResyncRepairsDriftAndLeavesOtherPartiesServicesAlone() {
        lab.node1.exec("ipvsadm", "-A", "-t", "10.50.0.1:80", "-s", "wlc");
        lab.node1.exec("ipvsadm", "-a", "-t", "10.50.0.1:80", "-r", "10.244.9.9:80", "-m");
        SyncEngine engine = engine("--excluded-cidrs=10.96.0.128/25");
        engine.fullResync(snapshot());
        lab.node1.exec("ipvsadm", "-d", "-t", "10.96.0.10:80", "-r", "10.244.2.2:80");
        assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).doesNotContain("-a -t 10.96.0.10:80 -r 10.244.2.2:80");
        // and the VIP's local route given another source (the VIP's own, as the kernel's route for an address has it)
        lab.node1.exec("ip", "addr", "add", "10.96.0.200/32", "dev", "eth0");
        lab.node1.exec("ip", "route", "replace", "local", "10.96.0.10", "dev", "kube-dummy-if", "table", "local", "proto", "kernel",
                "scope", "host", "src", "10.96.0.200");
        SyncResult repaired = engine.fullResync(snapshot());
        assertThat(repaired.ipvsOperations()).isEqualTo(1);
        assertThat(repaired.addressOperations()).as("the local route replaced, nothing else").isEqualTo(1);
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if"))
                .contains("local 10.96.0.10 proto kernel scope host src 192.168.1.1").doesNotContain("src 10.96.0.200");
        String table = lab.node1.exec("ipvsadm", "-S", "-n");
        assertThat(table).contains("-a -t 10.96.0.10:80 -r 10.244.2.2:80 -m -w 1");
        assertThat(table).contains("-A -t 10.50.0.1:80 -s wlc").contains("-a -t 10.50.0.1:80 -r 10.244.9.9:80 -m -w 1");

        model.removeService(web(null));
        engine.syncServices(List.of(WEB), snapshot());
        table = lab.node1.exec("ipvsadm", "-S", "-n");
        assertThat(table).doesNotContain("10.96.0.10").contains("-A -t 10.50.0.1:80 -s wlc");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if"))
                .as("the VIP's route goes with the Service").doesNotContain("10.96.0.10");
    }

    @Test
    void aRestartedEngineAdoptsTheKernelStateWithoutWritingWhileClientsKeepGoing() throws Exception {
        engine().fullResync(snapshot());
        Path log = Files.createTempFile("loop", ".log");
        Process loop = new ProcessBuilder("ip", "netns", "exec", lab.client.name(), "sh", "-c",
                "ok=0; fail=0; for i in $(seq 1 40); do if curl -s --max-time 5 -o /dev/null http://10.96.0.10/; "
                        + "then ok=$((ok+1)); else fail=$((fail+1)); fi; done; echo ok=$ok fail=$fail")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        SyncEngine restarted = engine();
        SyncResult adopt = restarted.fullResync(snapshot());
        assertThat(adopt.kernelWrites()).as("a restart with unchanged inputs writes nothing").isZero();
        assertThat(loop.waitFor()).isZero();
        assertThat(Files.readString(log).trim()).isEqualTo("ok=40 fail=0");
    }

    @Test
    void gracefulTerminationDrainsARemovedEndpointUntilItsConnectionsEndOrThePeriodPasses() throws Exception {
        model.putSlice(slice("10.244.2.2"));
        SyncEngine engine = engine("--ipvs-graceful-termination", "--ipvs-graceful-period=6s");
        engine.fullResync(snapshot());
        Process held = new ProcessBuilder("ip", "netns", "exec", lab.client.name(), "sh", "-c",
                "sleep 60 | ncat 10.96.0.10 80").start();
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!lab.node1.exec("ipvsadm", "-Ln").matches("(?s).*10\\.244\\.2\\.2:80\\s+Masq\\s+1\\s+1\\s+0.*")) {
                assertThat(System.nanoTime()).as("the held connection shows as active").isLessThan(deadline);
                Thread.sleep(200);
            }
            model.putSlice(slice("10.244.1.2"));
            SyncResult moved = engine.syncServices(List.of(WEB), snapshot());
            assertThat(moved.draining()).isEqualTo(2); // on the ClusterIP and the NodePort virtual server
            String saved = lab.node1.exec("ipvsadm", "-S", "-n");
            assertThat(saved).contains("-a -t 10.96.0.10:80 -r 10.244.2.2:80 -m -w 0")
                    .contains("-a -t 10.96.0.10:80 -r 10.244.1.2:80 -m -w 1");
            assertThat(answers("http://10.96.0.10/", 3)).as("new connections avoid the draining one").containsExactly("pod 10.244.1.2");

            SyncResult busy = engine.refreshDraining();
            assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).as("busy and within the period: kept")
                    .contains("-a -t 10.96.0.10:80 -r 10.244.2.2:80 -m -w 0");
            assertThat(busy.draining()).isGreaterThanOrEqualTo(1);
            Thread.sleep(6500);
            SyncResult expired = engine.refreshDraining();
            assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).as("period over: deleted").doesNotContain("10.244.2.2");
            assertThat(expired.draining()).isZero();
        } finally {
            held.destroyForcibly();
        }
    }

    @Test
    void anIdleRemovedEndpointIsDeletedAtTheFirstDrainCheck() {
        SyncEngine engine = engine("--ipvs-graceful-termination", "--ipvs-graceful-period=60s");
        engine.fullResync(snapshot());
        model.putSlice(slice("10.244.1.2"));
        engine.syncServices(List.of(WEB), snapshot());
        assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).contains("-a -t 10.96.0.10:80 -r 10.244.2.2:80 -m -w 0");
        engine.refreshDraining();
        assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).doesNotContain("10.244.2.2");
    }

    /**
     * Two Services claim one external IP and port: the older one is served; when it is deleted, the other takes the
     * virtual server over in the same sync, and the VIP's route never leaves kube-dummy-if.
     */
    @Test
    void whenTheHolderOfASharedExternalIpIsDeletedTheOtherServiceTakesOverAtOnce() {
        lab.router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        model = new ClusterModel();
        model.putService(shared("old", "10.96.0.11", "2025-01-01T00:00:00Z"));
        model.putSlice(sliceOf("old", "10.244.1.2"));
        model.putService(shared("young", "10.96.0.12", "2026-01-01T00:00:00Z"));
        model.putSlice(sliceOf("young", "10.244.2.2"));
        SyncEngine engine = engine("--service-external-ip-range=198.51.100.0/24");
        SyncResult first = engine.fullResync(snapshot());
        assertThat(first.problems()).extracting(p -> p.service().name() + " " + p.reason()).contains("young VirtualServerConflict");
        assertThat(answers("http://198.51.100.7/", 4)).containsExactly("pod 10.244.1.2");

        model.removeService(shared("old", "10.96.0.11", null));
        SyncResult handover = engine.syncServices(List.of(new ServiceRef("default", "old")), snapshot());
        assertThat(handover.failures()).isEmpty();
        assertThat(answers("http://198.51.100.7/", 4)).containsExactly("pod 10.244.2.2");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if")).contains("198.51.100.7")
                .doesNotContain("10.96.0.11");
        assertThat(engine.fullResync(snapshot()).kernelWrites()).as("the hand-over left nothing to repair").isZero();
    }

    private static Service shared(String name, String clusterIp, String created) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).withCreationTimestamp(created)
                .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withClusterIPs(clusterIp)
                .withExternalIPs("198.51.100.7").addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .endSpec().build();
    }

    private static EndpointSlice sliceOf(String service, String address) {
        EndpointSlice s = slice(address);
        s.getMetadata().setName(service + "-1");
        s.getMetadata().setLabels(Map.of("kubernetes.io/service-name", service));
        return s;
    }

    /**
     * Migrating from kube-router: its VIPs are addresses on kube-dummy-if (their local routes given the node's source)
     * and a Service deleted since left its virtual server. The first full sync deletes the addresses, makes the VIPs
     * local by routes alone, removes the stale virtual server (its VIP was on kube-dummy-if: ours), and serves.
     */
    @Test
    void kubeRoutersVipAddressesGiveWayToRoutes() throws Exception {
        lab.node1.exec("ip", "link", "add", "kube-dummy-if", "type", "dummy");
        lab.node1.exec("ip", "link", "set", "kube-dummy-if", "up");
        for (String vip : List.of("10.96.0.10", "10.96.0.99")) {
            lab.node1.exec("ip", "addr", "add", vip + "/32", "dev", "kube-dummy-if");
            lab.node1.exec("ip", "route", "replace", "local", vip, "dev", "kube-dummy-if", "table", "local", "proto", "kernel",
                    "scope", "host", "src", "192.168.1.1");
        }
        lab.node1.exec("ipvsadm", "-A", "-t", "10.96.0.99:80", "-s", "rr");
        SyncResult first = engine().fullResync(snapshot());
        assertThat(first.failures()).isEmpty();
        assertThat(lab.node1.exec("ip", "addr", "show", "kube-dummy-if")).doesNotContain("10.96.0.10").doesNotContain("10.96.0.99");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if"))
                .contains("local 10.96.0.10 proto kernel scope host src 192.168.1.1").doesNotContain("10.96.0.99");
        assertThat(lab.node1.exec("ipvsadm", "-S", "-n")).doesNotContain("10.96.0.99");
        assertThat(answers("http://10.96.0.10/", 6)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        assertThat(engine().fullResync(snapshot()).kernelWrites()).as("a restart then adopts the routes").isZero();
    }

    @Test
    void cleanupRemovesOnlyWhatKubeDsrOwns() {
        lab.node1.exec("ipvsadm", "-A", "-t", "10.50.0.1:80", "-s", "wlc");
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        assertThat(Cleanup.run(config, kernel())).isEqualTo(3); // two virtual servers and kube-dummy-if
        assertThat(lab.node1.tryExecFails("nft", "list", "table", "inet", "kube-dsr")).as("the nft table is gone").isTrue();
        assertThat(lab.node1.exec("ipvsadm", "-S", "-n").trim()).isEqualTo("-A -t 10.50.0.1:80 -s wlc");
        assertThat(lab.node1.exec("ip", "-o", "link", "show")).doesNotContain("kube-dummy-if");
    }
}
