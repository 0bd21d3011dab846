package io.kubedsr.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.kernel.Capabilities.Capability;

/**
 * kube-dsr as a user deploys it, on the real kernel: the image, the DaemonSet files of deploy/ run as the kubelet
 * runs them in node containers ({@link ClusterLab}), and a stand-in API server that enforces deploy/rbac.yaml.
 * Requests come from a client behind the router, as in the other scenarios. Two clusters, each agent start costing
 * the better part of a minute under the VM's emulation: the proxy variant on one subnet, then the overlay variant on
 * two subnets updated to the dsr-gue variant.
 */
@Order(10)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou", "ip6_tunnel", "nf_conntrack_netlink"}, timeoutSeconds = 900)
@ExtendWith(ProjectImage.class)
class DeployedAgentTest {
    private static final String CLUSTER_IP = "http://10.96.10.80/";
    /** web-dsr: DSR in the variant's default encapsulation (IPIP, or GUE in the dsr-gue variant). */
    private static final String DSR_DEFAULT_VIP = "198.51.100.10";
    /** web-dsr-gue: DSR over GUE whatever the variant. */
    private static final String DSR_GUE_VIP = "198.51.100.11";
    private static final List<String> BOTH_PODS = List.of("pod web-a", "pod web-b");
    private ClusterLab lab;

    @AfterEach
    void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.until(what, timeout, Duration.ofMillis(500), condition);
    }

    private static String dsrUrl(String vip) {
        return "http://" + vip + ":8080/";
    }

    /** The agent containers' memory (cgroup memory.current) against the manifest's 384Mi limit. */
    private static void printMemory(String when, List<AgentPod> agents) {
        StringBuilder sb = new StringBuilder("memory.current " + when + ":");
        for (AgentPod a : agents) {
            sb.append(String.format(Locale.ROOT, " %s %.1f MiB", a.spec().name(), a.memoryCurrent() / 1048576.0));
        }
        System.out.println(sb.append(" (limit 384 MiB)"));
    }

    private static long seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e9);
    }

    /**
     * The proxy variant, one step after the other on one cluster: ClusterIP and NodePort from the client, DSR over
     * IPIP and over GUE with the replies bypassing the director while node2 and web-b filter reverse paths strictly
     * (the agent loosens node2's and turns web-b's off through the host's /proc/sys the DaemonSet mounts),
     * {@code kube-dsr status} in the agent's pod; then a rolling update of node1's agent under a client loop; then
     * an agent started with one capability fewer.
     */
    @Test
    void proxyVariantServesDsrRollsWithoutADropAndRefusesToRunShortOfACapability() throws Exception {
        long t0 = System.nanoTime();
        lab = ClusterLab.start("kube-dsr-proxy.yaml", DaemonSetManifest.clusterRole(), false);
        // Strict reverse-path filtering, as distributions and CNI plugins often set it: node2 would drop web-b's
        // replies from the VIP, web-b the packets its tunnel link decapsulates.
        TestNamespace node2 = lab.node(2).net();
        TestNamespace webB = lab.pods.get(1).net();
        node2.exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1");
        webB.exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.eth0.rp_filter=1");
        System.out.printf("cluster up in %d s%n", seconds(t0));
        List<AgentPod> agents = lab.startReadyAgents(lab.daemonSet);
        printMemory("at rest", agents);

        long t = System.nanoTime();
        assertThat(ClusterLab.answers(lab.client, CLUSTER_IP, 6)).containsExactlyElementsOf(BOTH_PODS);
        for (int n = 1; n <= 2; n++) {
            assertThat(ClusterLab.answers(lab.client, "http://" + lab.nodeAddress(n) + ":30080/", 6))
                    .as("NodePort 30080 on node%d", n).containsExactlyElementsOf(BOTH_PODS);
        }
        checkDsr(DSR_DEFAULT_VIP, "ipip");
        checkDsr(DSR_GUE_VIP, "gue");
        assertThat(node2.exec("sysctl", "-n", "net.ipv4.conf.all.rp_filter").trim()).as("node2's rp_filter, loosened").isEqualTo("2");
        assertThat(webB.exec("sysctl", "-n", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.eth0.rp_filter").lines().toList())
                .as("web-b's rp_filter, off").containsExactly("0", "0");

        VmCommands.Result status = agents.get(0).kubeDsr("status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).doesNotContain("not named").contains("TCP 10.96.10.80:80").contains(DSR_DEFAULT_VIP + ":8080/tcp")
                .containsPattern("tunnel +ipip").containsPattern("tunnel +gue:5555");
        System.out.println("kube-dsr status in node1's agent pod:\n" + status.output());
        assertThat(lab.api.refusals()).as("requests the ClusterRole refused").isEmpty();
        System.out.printf("ClusterIP, NodePort, DSR and status checks: %d s%n", seconds(t));

        t = System.nanoTime();
        AgentPod updated = rollingUpdate(agents.get(0));
        System.out.printf("rolling update step: %d s%n", seconds(t));
        t = System.nanoTime();
        oneCapabilityFewer();
        System.out.printf("capability step: %d s%n", seconds(t));
        assertThat(agents.get(1).running()).isTrue();
        printMemory("after the scenarios", List.of(updated, agents.get(1)));
        System.out.printf("proxy variant scenario: %d s%n", seconds(t0));
    }

    /**
     * The overlay variant with the nodes on two subnets. First under a ClusterRole without {@code list} on nodes, as
     * deploy/rbac.yaml was before: the stand-in refuses node1's agent its Nodes list, and the agent exits with the
     * API server's words (a kubelet would restart it, and again) without a tunnel. Then deploy/rbac.yaml is
     * applied and the agents start on both nodes: each node tunnels to the other over IPIP and the client reaches
     * both pods. Then the DaemonSet is updated to the dsr-gue variant, node after node: the tunnels switch to GUE,
     * and DSR, GUE by default there, crosses the GUE overlay with the replies bypassing the director.
     */
    @Test
    void overlayVariantNeedsListOnNodesTunnelsBetweenTwoSubnetsAndUpdatesToGue() throws Exception {
        long t0 = System.nanoTime();
        lab = ClusterLab.start("kube-dsr-overlay.yaml", DaemonSetManifest.clusterRoleWithout("nodes", "list"), true);
        System.out.printf("cluster up in %d s%n", seconds(t0));
        long t = System.nanoTime();
        AgentPod refused = lab.startAgent(1, UnaryOperator.identity());
        await("node1's agent to exit", Duration.ofMinutes(4), () -> !refused.running());
        System.out.printf("node1's agent refused the Nodes list: exit %d after %d s%n", refused.exitCode(), seconds(t));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.logs()).contains("nodes is forbidden: User \"system:serviceaccount:kube-system:kube-dsr\" cannot list"
                + " resource \"nodes\" in API group \"\" at the cluster scope");
        assertThat(lab.api.refusals()).singleElement().satisfies(d -> {
            assertThat(d.user()).isEqualTo("system:serviceaccount:kube-system:kube-dsr");
            assertThat(d.request().describe()).isEqualTo("list resource \"nodes\" in API group \"\" at the cluster scope");
        });
        assertThat(lab.node(1).net().exec("ip", "route")).doesNotContain("10.244.2.0/24");
        refused.stop();

        lab.api.apply(DaemonSetManifest.clusterRole()); // kubectl apply -f deploy/rbac.yaml
        List<AgentPod> agents = lab.startReadyAgents(lab.daemonSet);
        printMemory("at rest", agents);
        overlayTunnels("ipip");
        assertThat(lab.api.refusals()).as("refusals since deploy/rbac.yaml was applied").hasSize(1);

        // The DaemonSet updated to the dsr-gue variant: one node after the other (maxUnavailable 1).
        t = System.nanoTime();
        DaemonSetManifest gue = DaemonSetManifest.read("kube-dsr-dsr-gue.yaml");
        List<AgentPod> updated = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            agents.get(n - 1).stop();
            AgentPod a = lab.startAgent(n, gue, UnaryOperator.identity());
            a.awaitReady(Duration.ofMinutes(5));
            updated.add(a);
        }
        System.out.printf("update to the dsr-gue variant, node after node: %d s%n", seconds(t));
        overlayTunnels("gue");
        // web-dsr names no encapsulation: GUE in this variant, through the GUE overlay to web-b.
        checkDsr(DSR_DEFAULT_VIP, "gue");
        // In the pod, in-cluster: the API server through the kubernetes Service (10.96.0.1:443, served by this
        // agent), over TLS verified with the service account's ca.crt; the virtual servers named after their Services.
        VmCommands.Result status = updated.get(0).kubeDsr("status");
        System.out.println("kube-dsr status in node1's agent pod:\n" + status.output());
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).doesNotContain("not named").contains("default/web-dsr:8080").containsPattern("tunnel +gue:5555");
        assertThat(lab.api.refusals()).hasSize(1);
        printMemory("after the scenarios", updated);
        System.out.printf("overlay variant scenario: %d s%n", seconds(t0));
    }

    /**
     * Each node's tunnel to the other carries the other's pod CIDR in {@code encap} (ipip, or IPIP inside GUE on
     * UDP 5555); the client reaches both pods through the ClusterIP, and web-a reaches web-b through node1's tunnel.
     */
    private void overlayTunnels(String encap) throws Exception {
        TestNamespace node1 = lab.node(1).net();
        TestNamespace node2 = lab.node(2).net();
        Duration timeout = Duration.ofMinutes(2);
        await("node1's tunnel to node2 (192.168.2.2) carrying 10.244.2.0/24", timeout,
                () -> node1.exec("ip", "route").contains("10.244.2.0/24 dev tun-c0a80202"));
        await("node2's tunnel back", timeout, () -> node2.exec("ip", "route").contains("10.244.1.0/24 dev tun-c0a80101"));
        for (TestNamespace node : List.of(node1, node2)) {
            String link = node.exec("ip", "-d", "link", "show", node == node1 ? "tun-c0a80202" : "tun-c0a80101");
            if (encap.equals("gue")) {
                assertThat(link).contains("encap gue").contains("encap-dport 5555");
                assertThat(node.exec("ip", "fou", "show")).contains("port 5555 gue");
            } else {
                assertThat(link).contains("ipip").doesNotContain("encap gue");
            }
        }
        long before = txPackets(node1, "tun-c0a80202");
        assertThat(ClusterLab.answers(lab.client, CLUSTER_IP, 8)).containsExactlyElementsOf(BOTH_PODS);
        assertThat(ClusterLab.ask(lab.pods.get(0).net(), "http://10.244.2.10:8080/")).isEqualTo("pod web-b");
        assertThat(txPackets(node1, "tun-c0a80202") - before).as("node1 sent to web-b through its tunnel").isPositive();
    }

    private static long txPackets(TestNamespace node, String link) {
        return Long.parseLong(node.exec("cat", "/sys/class/net/" + link + "/statistics/tx_packets").trim());
    }

    /**
     * DSR of {@code vip} over {@code encap}: node1 directs through fwmark and tunnel-mode real servers, both pods
     * answer, and web-b's replies bypass node1: none enter node1 but from its own pod, web-b's leave through node2,
     * node2 forwards the director's packets to web-b as IPIP or as GUE (whatever carried them between the nodes),
     * and IPVS counts no outgoing packet for web-b (the counters of DsrRealKernelTest).
     */
    private void checkDsr(String vip, String encap) throws Exception {
        TestNamespace node1 = lab.node(1).net();
        TestNamespace node2 = lab.node(2).net();
        TestNamespace webB = lab.pods.get(1).net();
        await("web-b's receiver holding " + vip, Duration.ofMinutes(2), () -> webB.exec("ip", "addr").contains(vip + "/32"));
        await("node1's fwmark service for " + vip, Duration.ofMinutes(1), () -> node1.exec("ipvsadm", "-Ln").contains("FWM"));
        if (encap.equals("gue")) {
            assertThat(webB.exec("ip", "fou", "show")).as("web-b's GUE port").contains("5555");
        }
        node1.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "flush chain ip probe pre; add rule ip probe pre iifname != veth-web-a ip saddr " + vip + " counter");
        node2.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "add chain ip probe through { type filter hook forward priority -300; }; flush chain ip probe pre; flush chain ip probe through; "
                + "add rule ip probe pre iifname veth-web-b ip saddr " + vip + " counter; "
                // IPIP is IP protocol 4 ("ipencap" in /etc/protocols, where "ipip" names 94)
                + "add rule ip probe through oifname veth-web-b ip protocol 4 counter; "
                + "add rule ip probe through oifname veth-web-b udp dport 5555 counter");
        assertThat(ClusterLab.answers(lab.client, dsrUrl(vip), 8)).containsExactlyElementsOf(BOTH_PODS);
        assertThat(node1.exec("nft", "list", "chain", "ip", "probe", "pre")).as("no reply entered node1").contains("packets 0 ");
        List<String> node2Counters = new ArrayList<>();
        for (String chain : List.of("pre", "through")) {
            node2.exec("nft", "list", "chain", "ip", "probe", chain).lines().filter(l -> l.contains("counter")).forEach(node2Counters::add);
        }
        assertThat(node2Counters.get(0)).as("web-b's replies went out through node2").doesNotContain("packets 0 ");
        assertThat(node2Counters.get(encap.equals("gue") ? 2 : 1)).as(encap + " from the director to web-b").doesNotContain("packets 0 ");
        assertThat(node2Counters.get(encap.equals("gue") ? 1 : 2)).as("not the other encapsulation").contains("packets 0 ");
        node1.exec("nft", "delete table ip probe");
        node2.exec("nft", "delete table ip probe");
        String stats = node1.exec("ipvsadm", "-Ln", "--stats");
        List<String> webBRows = new ArrayList<>();
        boolean inFwmark = false;
        for (String l : stats.lines().toList()) {
            if (!l.trim().startsWith("->")) {
                inFwmark = l.startsWith("FWM");
            } else if (inFwmark && l.contains("-> 10.244.2.10:8080")) {
                webBRows.add(l);
            }
        }
        assertThat(webBRows).isNotEmpty()
                .anySatisfy(l -> assertThat(l.trim().split("\\s+")[3]).as("InPkts of " + l).isNotEqualTo("0"))
                .allSatisfy(l -> assertThat(l.trim().split("\\s+")[4]).as("OutPkts of " + l).isEqualTo("0"));
        System.out.println("DSR " + encap + " " + vip + " on node1:\n" + stats + String.join("\n", node2Counters));
    }

    /**
     * The DaemonSet's rolling update on node1 (the old pod deleted, then the new one created) while the client asks
     * the ClusterIP, the DSR VIP and a NodePort in a loop: no request fails, the stopped agent left the kernel as it
     * was, and the new agent adopts it without a write (its metrics count none).
     */
    private AgentPod rollingUpdate(AgentPod old) throws Exception {
        String before = KernelDump.of(lab.node(1).net());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<String> urls = List.of(CLUSTER_IP, dsrUrl(DSR_DEFAULT_VIP), "http://192.168.1.1:30080/");
        Thread loop = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                String url = urls.get(i++ % urls.size());
                try {
                    ClusterLab.ask(lab.client, url);
                    ok.incrementAndGet();
                } catch (IllegalStateException e) {
                    failures.add(url + ": " + e.getMessage());
                }
                // A pause between requests: each curl costs the emulated CPUs the new agent starts on.
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        loop.start();
        try {
            await("requests flowing", Duration.ofMinutes(1), () -> ok.get() >= 6);
            long t = System.nanoTime();
            old.stop(); // the DaemonSet's update deletes the old pod ...
            String afterStop = KernelDump.of(lab.node(1).net());
            AgentPod updated = lab.startAgent(1, UnaryOperator.identity()); // ... and creates the new one
            updated.awaitReady(Duration.ofMinutes(5));
            System.out.printf(Locale.ROOT, "rolling update of node1's agent: %.1f s from stop to ready%n", (System.nanoTime() - t) / 1e9);
            int atReady = ok.get();
            await("requests after the update", Duration.ofMinutes(1), () -> ok.get() >= atReady + 6);
            running.set(false);
            loop.join();
            System.out.printf("rolling update under load: %d requests ok, %d failed%n", ok.get(), failures.size());
            assertThat(failures).as("requests that failed during the update").isEmpty();
            assertThat(afterStop).as("the stopped agent left the kernel state in place").isEqualTo(before);
            assertThat(updated.sample("kube_dsr_ipvs_operations_total")).as("IPVS writes since the new agent started").isZero();
            assertThat(updated.sample("kube_dsr_address_operations_total")).as("address, rule, route, nftables and receiver"
                    + " writes since the new agent started").isZero();
            assertThat(KernelDump.of(lab.node(1).net())).isEqualTo(before);
            return updated;
        } finally {
            running.set(false);
            loop.join();
        }
    }

    /**
     * node1's agent started without CAP_SYS_ADMIN (a DaemonSet edited wrongly: the broadest of the four, the first a
     * reviewer might cut): it exits 3 with a line naming the capability, and node1's kernel state is what it was.
     * One capability, not each in turn: every agent start costs the better part of a minute under the VM's
     * emulation, and the check itself is the same for each (CapabilitiesTest covers every capability).
     */
    private void oneCapabilityFewer() throws Exception {
        TestNamespace node1 = lab.node(1).net();
        String before = KernelDump.of(node1);
        Capability missing = Capability.SYS_ADMIN;
        AgentPod agent = lab.startAgent(1, spec -> spec.withoutCapability(missing.name()).named("node1-kube-dsr-" + missing));
        await(agent.spec().name() + " to exit", Duration.ofMinutes(2), () -> !agent.running());
        String log = agent.logs();
        System.out.printf("without %s: exit %d: %s", missing, agent.exitCode(), log);
        assertThat(agent.exitCode()).isEqualTo(3L);
        assertThat(log).contains("missing capability " + missing.kernelName() + " (").contains("Nothing was changed");
        assertThat(KernelDump.of(node1)).as("node1's kernel state after the agent without %s", missing).isEqualTo(before);
        agent.stop();
    }
}
