package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.TunnelType;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.Agent;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.SyncResult;

/**
 * DSR end to end with two real agents (node1 and node2 of {@link ServiceLab}, one each) against the mock API
 * server: a client behind the router reaches an external IP routed to node1, node1 tunnels to a pod on node1 or
 * node2, and the pods answer the client directly.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou", "ip6_tunnel"}, timeoutSeconds = 1200)
class DsrRealKernelTest {
    static final String VIP = "198.51.100.10";
    private ServiceLab lab;
    private MockApi api;
    private KubernetesClient client;
    private Agent agent1;
    private Agent agent2;
    private final List<SyncResult> syncs1 = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        lab = new ServiceLab();
        lab.router.exec("ip", "route", "add", "198.51.100.0/24", "via", "192.168.1.1");
        // A DSR pod's server must accept connections to the VIP: HTTP on every address instead of the pod IP.
        serveOnAllAddresses(lab.pod1, "10.244.1.2");
        serveOnAllAddresses(lab.pod2, "10.244.2.2");
        api = MockApi.start();
        client = api.client();
        for (int n = 1; n <= 2; n++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.168.1." + n).endAddress().endStatus().build()).create();
        }
        client.services().inNamespace("default").resource(service(null)).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice()).create();
        agent1 = startAgent("node1", lab.node1, true);
        agent2 = startAgent("node2", lab.node2, false);
    }

    private Agent startAgent(String node, TestNamespace ns, boolean record, String... extraFlags) throws Exception {
        List<String> flags = new java.util.ArrayList<>(List.of("--health-port=0", "--cluster-cidr=10.244.0.0/16",
                "--service-external-ip-range=198.51.100.0/24,2001:db8:dd::/64", "--enable-ipv6=true"));
        flags.addAll(List.of(extraFlags));
        Agent agent = new Agent(AgentFlags.parse(flags.toArray(String[]::new)), client, api.vertx(), node, ns.namespace());
        if (record) {
            agent.onSync(syncs1::add);
        }
        agent.start().get(180, TimeUnit.SECONDS);
        return agent;
    }

    @AfterEach
    void tearDown() {
        agent1.close();
        agent2.close();
        api.close();
        lab.close();
    }

    /** web: ClusterIP 10.96.0.30 and external IP 198.51.100.10, HTTP 80 and an upload sink 8080, DSR when asked. */
    static Service service(String encap) {
        Map<String, String> annotations = new HashMap<>();
        if (encap != null) {
            annotations.put("kube-router.io/service.dsr", "tunnel");
            annotations.put("kube-dsr.io/service.dsr-encap", encap);
        }
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").withAnnotations(annotations)
                .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.30").withClusterIPs("10.96.0.30")
                .withExternalIPs(VIP)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .addNewPort().withName("upload").withProtocol("TCP").withPort(8080).endPort()
                .addNewPort().withName("echo").withProtocol("UDP").withPort(7).endPort()
                .endSpec().build();
    }

    static EndpointSlice slice() {
        EndpointSlice s = SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2");
        s.getPorts().add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName("upload")
                .withProtocol("TCP").withPort(8080).build());
        s.getPorts().add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName("echo")
                .withProtocol("UDP").withPort(7).build());
        return s;
    }

    /** Two agents in the emulated VM: a longer wait than {@link Await}'s default, checked less often. */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, Duration.ofSeconds(90), Duration.ofMillis(200), condition);
    }

    private Set<String> answers(int tries) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < tries; i++) {
            seen.add(lab.client.exec("curl", "-sS", "--max-time", "10", "http://" + VIP + "/").trim());
        }
        return seen;
    }

    private static void serveOnAllAddresses(TestNamespace pod, String ip) throws Exception {
        pod.tryExecFails("pkill", "-f", "busybox httpd -p " + ip.substring(0, ip.lastIndexOf('.')));
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "pod " + ip + "\n");
        pod.exec("busybox", "httpd", "-p", "80", "-h", www.toString());
    }

    private static String tools() throws Exception {
        return Path.of(DsrRealKernelTest.class.getResource("/dsr-tools.py").toURI()).toString();
    }

    /**
     * Starts the upload sink (answers with the byte count) and a UDP echo bound to the VIP: a UDP server must
     * answer from the address it was asked on, or the client drops the answer.
     */
    private static void startServers(TestNamespace pod) throws Exception {
        pod.exec("sh", "-c", "python3 " + tools() + " sink-server 8080 </dev/null >/dev/null 2>&1 &");
        pod.exec("sh", "-c", "python3 " + tools() + " udp-echo-server " + VIP + " 7 </dev/null >/dev/null 2>&1 &");
    }

    private static void stopServers(TestNamespace pod) {
        pod.tryExecFails("pkill", "-f", "dsr-tools.py");
    }

    /** Kernel state of both nodes and both pods that DSR touches, for before/after comparisons. */
    private String dump() {
        StringBuilder sb = new StringBuilder();
        for (TestNamespace n : List.of(lab.node1, lab.node2)) {
            sb.append(n.exec("ipvsadm", "-Sn").lines().sorted().toList()).append('\n');
            // A table that never held a route does not exist ("FIB table does not exist"): empty, like an emptied one.
            sb.append(n.exec("ip", "rule")).append(n.exec("sh", "-c", "ip route show table 78 2>/dev/null; true"));
            sb.append(n.exec("ip", "-6", "rule")).append(n.exec("sh", "-c", "ip -6 route show table 78 2>/dev/null; true"));
            sb.append(n.exec("nft", "list", "table", "inet", "kube-dsr"));
            // The VIPs' routes, sorted: a VIP that left and came back is listed after the others.
            sb.append(n.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if").lines().sorted().toList());
            sb.append(n.exec("ip", "-6", "route", "show", "table", "local", "dev", "kube-dummy-if").lines().sorted().toList());
        }
        for (TestNamespace p : List.of(lab.pod1, lab.pod2)) {
            sb.append(p.exec("ip", "-o", "link").replaceAll("link/\\S+ \\S+ brd \\S+", "")).append(p.exec("ip", "-o", "addr"));
            sb.append(p.exec("ip", "fou", "show"));
        }
        return sb.toString();
    }

    private void checkDsr(String encap) throws Exception {
        await("node1's fwmark services with " + encap + " real servers", () -> {
            try (IpvsClient ipvs = new IpvsClient(lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC))) {
                long tunnels = 0;
                for (var vs : ipvs.virtualServers()) {
                    if (vs.server().key() instanceof VirtualServerKey.ByFwmark) {
                        for (var rs : ipvs.realServers(vs.server().key())) {
                            if (rs.server().forwarding() instanceof Forwarding.Tunnel t
                                    && t.type() == (encap.equals("gue") ? TunnelType.GUE : TunnelType.IPIP)) {
                                tunnels++;
                            }
                        }
                    }
                }
                return tunnels == 6; // 3 ports x 2 pods
            }
        });
        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            await("the receiver holding the VIP", () -> pod.exec("ip", "addr", "show").contains(VIP + "/32"));
            assertThat(pod.exec("ip", "fou", "show").trim()).as("the receiver takes GUE whatever the Service sends")
                    .isEqualTo("port 5555 gue");
        }
        assertThat(lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if")).doesNotContain(VIP);
        assertThat(lab.node1.exec("ip", "rule")).contains("32764:").contains("lookup 78");
        assertThat(lab.node1.exec("ip", "route", "show", "table", "78")).contains("local default dev lo");

        // Counters: replies from the VIP entering node1 from the network (there should be none) and leaving pod2
        // through node2 (all of pod2's).
        lab.node1.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "flush chain ip probe pre; add rule ip probe pre iifname eth0 ip saddr " + VIP + " counter");
        lab.node2.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "flush chain ip probe pre; add rule ip probe pre iifname to-pod ip saddr " + VIP + " counter");
        assertThat(answers(8)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");

        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            startServers(pod);
        }
        Thread.sleep(1500); // the servers start (python under emulation)
        for (int i = 0; i < 4; i++) {
            String count = lab.client.exec("python3", tools(), "upload-client", VIP, "8080", Integer.toString(1 << 20)).trim();
            assertThat(count).as("1 MB upload through DSR (MSS clamp)").isEqualTo(Integer.toString(1 << 20));
        }
        for (int i = 0; i < 4; i++) {
            String echo = lab.client.exec("python3", tools(), "udp-echo-client", VIP, "7", "dsr-udp-echo-" + i);
            assertThat(echo.trim()).as("UDP echo answered from the VIP").isEqualTo("dsr-udp-echo-" + i);
        }
        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            stopServers(pod);
        }

        assertThat(lab.node1.exec("nft", "list", "chain", "ip", "probe", "pre")).as("no reply re-entered node1").contains("packets 0 ");
        assertThat(lab.node2.exec("nft", "list", "chain", "ip", "probe", "pre")).as("pod2's replies went out through node2")
                .doesNotContain("packets 0 ");
        String stats = lab.node1.exec("ipvsadm", "-Ln", "--stats");
        // Per real server: pod2's replies never pass node1, so IPVS counts none of them (OutPkts 0). pod1 runs on
        // the director itself, so its replies cross node1's forward hook, where IPVS does count them.
        List<String> pod2 = new java.util.ArrayList<>();
        boolean inFwmark = false;
        for (String l : stats.lines().toList()) {
            if (!l.trim().startsWith("->")) {
                inFwmark = l.startsWith("FWM");
            } else if (inFwmark && l.contains("-> 10.244.2.2:")) {
                pod2.add(l);
            }
        }
        assertThat(pod2).hasSize(3).allSatisfy(l -> assertThat(l.trim().split("\\s+")[4]).as("OutPkts of " + l).isEqualTo("0"))
                .anySatisfy(l -> assertThat(l.trim().split("\\s+")[3]).as("InPkts of " + l).isNotEqualTo("0"));
        System.out.println("DSR " + encap + " stats on node1:\n" + stats);
    }

    @Test
    void ipipAndGueDsrServeTcpUdpAndUploadsAndLeaveNothingBehind() throws Exception {
        assertThat(answers(4)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        String before = dump();

        client.services().inNamespace("default").resource(service("ipip")).update();
        checkDsr("ipip");
        client.services().inNamespace("default").resource(service("gue")).update();
        checkDsr("gue");
        client.services().inNamespace("default").resource(service("ipip")).update();
        checkDsr("ipip");

        client.services().inNamespace("default").resource(service(null)).update();
        await("the VIP local again through kube-dummy-if",
                () -> lab.node1.exec("ip", "route", "show", "table", "local", "dev", "kube-dummy-if").contains(VIP));
        await("the receivers gone", () -> !lab.pod1.exec("ip", "addr").contains(VIP) && !lab.pod2.exec("ip", "addr").contains(VIP));
        await("the marks gone", () -> !lab.node1.exec("ipvsadm", "-Ln").contains("FWM"));
        lab.node1.exec("nft", "delete table ip probe");
        lab.node2.exec("nft", "delete table ip probe");
        assertThat(dump()).as("no DSR state left: IPVS, rules, table 78, nftables, pods").isEqualTo(before);
        assertThat(answers(4)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
    }

    @Test
    void aRestartedAgentAdoptsDsrStateWithoutDroppingARequest() throws Exception {
        client.services().inNamespace("default").resource(service("gue")).update();
        await("DSR in place", () -> lab.node1.exec("ipvsadm", "-Ln").contains("FWM")
                && lab.pod2.exec("ip", "addr").contains(VIP) && lab.pod1.exec("ip", "addr").contains(VIP));
        String before = dump();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread loop = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                try {
                    // Alternately the DSR VIP and the Service's ClusterIP (masquerade; the router routes it to node1).
                    lab.client.exec("curl", "-sS", "--max-time", "5", "http://" + (i++ % 2 == 0 ? VIP : "10.96.0.30") + "/");
                    ok.incrementAndGet();
                } catch (IllegalStateException e) {
                    failures.add(e.getMessage());
                }
            }
        });
        loop.start();
        await("requests flowing", () -> ok.get() >= 3);
        agent1.close();
        syncs1.clear();
        agent1 = startAgent("node1", lab.node1, true);
        int okAtRestart = ok.get();
        await("requests after the restart", () -> ok.get() >= okAtRestart + 6);
        running.set(false);
        loop.join();
        System.out.printf("restart under load: %d requests ok, %d failed%n", ok.get(), failures.size());
        assertThat(failures).as("requests failed during the restart").isEmpty();
        SyncResult adoption = syncs1.get(0);
        assertThat(adoption.ipvsOperations()).as("IPVS writes at adoption").isZero();
        assertThat(adoption.addressOperations()).as("address, rule, nftables and receiver writes at adoption").isZero();
        assertThat(dump()).isEqualTo(before);
    }

    static final String VIP6 = "2001:db8:dd::10";

    /** IPv6 addressing beside the IPv4 lab: the same topology, ip6ip6 tunnels. */
    private void addIpv6() {
        lab.router.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        lab.router.exec("ip", "-6", "addr", "add", "fd00:1::fe/64", "dev", "br0", "nodad");
        lab.router.exec("ip", "-6", "addr", "add", "fd00:16::1/64", "dev", "to-client", "nodad");
        lab.client.exec("ip", "-6", "addr", "add", "fd00:16::2/64", "dev", "eth0", "nodad");
        lab.client.exec("ip", "-6", "route", "add", "default", "via", "fd00:16::1");
        lab.router.exec("ip", "-6", "route", "add", "2001:db8:dd::/64", "via", "fd00:1::1");
        int n = 1;
        for (TestNamespace node : List.of(lab.node1, lab.node2)) {
            node.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            node.exec("ip", "-6", "addr", "add", "fd00:1::" + n + "/64", "dev", "eth0", "nodad");
            node.exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::1/64", "dev", "to-pod", "nodad");
            node.exec("ip", "-6", "route", "add", "default", "via", "fd00:1::fe");
            n++;
        }
        lab.node1.exec("ip", "-6", "route", "add", "fd00:244:2::/64", "via", "fd00:1::2");
        // Dual-stack nodes publish their IPv6 address: the receivers' guards let ip6ip6 in only from nodes.
        for (int k = 1; k <= 2; k++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + k).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.168.1." + k).endAddress()
                    .addNewAddress().withType("InternalIP").withAddress("fd00:1::" + k).endAddress().endStatus().build()).update();
        }
        n = 1;
        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            pod.exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::2/64", "dev", "eth0", "nodad");
            pod.exec("ip", "-6", "route", "add", "default", "via", "fd00:244:" + n + "::1");
            n++;
        }
    }

    @Test
    void ipv6DsrOverIp6ip6() throws Exception {
        addIpv6();
        Service v6 = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web6")
                .withAnnotations(Map.of("kube-router.io/service.dsr", "tunnel")).endMetadata().withNewSpec()
                .withType("ClusterIP").withClusterIP("fd00:96::30").withClusterIPs("fd00:96::30").withIpFamilies("IPv6")
                .withExternalIPs(VIP6).addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build();
        EndpointSlice slice6 = SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2");
        slice6.getMetadata().setName("web6-1");
        slice6.getMetadata().setLabels(Map.of("kubernetes.io/service-name", "web6"));
        slice6.setAddressType("IPv6");
        slice6.getEndpoints().get(0).setAddresses(List.of("fd00:244:1::2"));
        slice6.getEndpoints().get(1).setAddresses(List.of("fd00:244:2::2"));
        client.services().inNamespace("default").resource(v6).create();
        client.discovery().v1().endpointSlices().inNamespace("default").resource(slice6).create();
        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            await("the IPv6 receiver holding the VIP", () -> pod.exec("ip", "-6", "addr", "show").contains(VIP6 + "/128"));
        }
        await("pod2's guard letting node1's IPv6 in", () -> lab.pod2.exec("nft", "list", "set", "inet", "kube-dsr-receiver",
                "nodes6").contains("fd00:1::1"));
        await("node1's IPv6 fwmark service", () -> lab.node1.exec("ipvsadm", "-Ln").contains("FWM")
                && lab.node1.exec("ipvsadm", "-Ln").contains("[fd00:244:2::2]:80"));
        assertThat(lab.node1.exec("ip", "-6", "rule")).contains("32764:").contains("lookup 78");
        assertThat(lab.node1.exec("ip", "-6", "route", "show", "table", "78")).contains("local default dev lo");
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 8; i++) {
            seen.add(lab.client.exec("curl", "-sS", "--max-time", "10", "-g", "http://[" + VIP6 + "]/").trim());
        }
        assertThat(seen).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        client.services().inNamespace("default").withName("web6").delete();
        for (TestNamespace pod : List.of(lab.pod1, lab.pod2)) {
            await("the IPv6 receiver gone", () -> !pod.exec("ip", "link").contains("kube-tunnel-v6"));
        }
        await("the IPv6 rules gone", () -> !lab.node1.exec("ip", "-6", "rule").contains("32764:"));
        assertThat(lab.node1.exec("ip", "-6", "route", "show", "table", "78")).isEmpty();
    }

    /**
     * DSR across a GUE overlay (DESIGN.md §4's trap): with --overlay-type=full every pod route between the nodes
     * is a GUE tunnel, so the director's IPIP packet to pod2 leaves inside GUE while it still carries the DSR
     * mark. Without the mark cleared on UDP to the GUE port it would be routed back into the fwmark service.
     */
    @Test
    void dsrWorksAcrossAGueOverlay() throws Exception {
        agent1.close();
        agent2.close();
        for (int n = 1; n <= 2; n++) {
            client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata()
                    .withNewSpec().withPodCIDRs("10.244." + n + ".0/24").withPodCIDR("10.244." + n + ".0/24").endSpec()
                    .withNewStatus().addNewAddress().withType("InternalIP").withAddress("192.168.1." + n).endAddress().endStatus()
                    .build()).update();
        }
        lab.node1.exec("ip", "route", "del", "10.244.2.0/24"); // the overlay routes the pod CIDRs now
        String[] overlay = {"--overlay-type=full", "--overlay-encap=fou", "--overlay-encap-port=5555"};
        agent1 = startAgent("node1", lab.node1, true, overlay);
        agent2 = startAgent("node2", lab.node2, false, overlay);
        await("node1's GUE tunnel to node2 carrying pod2's CIDR", () -> lab.node1.exec("ip", "route").matches(
                "(?s).*10\\.244\\.2\\.0/24 dev tun-c0a80102.*"));
        await("node2's tunnel back", () -> lab.node2.exec("ip", "route").contains("10.244.1.0/24 dev tun-c0a80101"));
        client.services().inNamespace("default").resource(service("ipip")).update();
        await("pod2's receiver", () -> lab.pod2.exec("ip", "addr").contains(VIP + "/32"));
        await("the fwmark service", () -> lab.node1.exec("ipvsadm", "-Ln").contains("FWM"));
        long before = Long.parseLong(lab.node1.exec("sh", "-c", "cat /sys/class/net/tun-c0a80102/statistics/tx_packets").trim());
        assertThat(answers(8)).containsExactly("pod 10.244.1.2", "pod 10.244.2.2");
        long after = Long.parseLong(lab.node1.exec("sh", "-c", "cat /sys/class/net/tun-c0a80102/statistics/tx_packets").trim());
        assertThat(after - before).as("requests to pod2 crossed the GUE tunnel").isPositive();
        assertThat(lab.node1.exec("nft", "list", "set", "inet", "kube-dsr", "gue-ports")).contains("5555");
    }
}
