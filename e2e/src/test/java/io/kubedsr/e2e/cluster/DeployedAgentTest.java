package io.kubedsr.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.testcontainers.containers.Container.ExecResult;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.lab.RbacPolicy;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.kernel.Capabilities.Capability;

/**
 * kube-dsr as a user deploys it, on the real kernel: the image, a DaemonSet file of deploy/ run as the kubelet
 * runs it in node containers ({@link ClusterLab}), and a stand-in API server that enforces deploy/rbac.yaml.
 * Requests come from a client behind the router, as in the other scenarios.
 */
@Order(10)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou", "ip6_tunnel", "nf_conntrack_netlink"}, timeoutSeconds = 900)
@ExtendWith(ProjectImage.class)
class DeployedAgentTest {
    private static final String CLUSTER_IP = "http://10.96.10.80/";
    private static final String DSR_IPIP = "http://198.51.100.10:8080/";
    private static final String DSR_GUE = "http://198.51.100.11:8080/";
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

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB of the 384 MiB limit", bytes / 1048576.0);
    }

    /**
     * The proxy variant on one cluster, one step after the other (each agent start costs about a minute under the
     * VM's emulation): ClusterIP, NodePort, DSR over IPIP and over GUE with the replies bypassing the director,
     * {@code kube-dsr status} in the agent's pod; then a rolling update of node1's agent under a client loop; then
     * agents started with one capability fewer.
     */
    @Test
    void proxyVariantServesThenRollsWithoutADropAndRefusesToRunShortOfACapability() throws Exception {
        long t0 = System.nanoTime();
        lab = ClusterLab.start("kube-dsr-proxy.yaml", DaemonSetManifest.clusterRole(), false);
        AgentPod agent1 = lab.startReadyAgent(1);
        AgentPod agent2 = lab.startReadyAgent(2);
        long atRest = agent1.memoryCurrent();
        System.out.printf(Locale.ROOT, "agents ready %.0f s after the lab started; node1's agent at rest: %s%n",
                (System.nanoTime() - t0) / 1e9, mib(atRest));

        assertThat(ClusterLab.answers(lab.client, CLUSTER_IP, 6)).containsExactlyElementsOf(BOTH_PODS);
        for (int n = 1; n <= 2; n++) {
            assertThat(ClusterLab.answers(lab.client, "http://" + lab.nodeAddress(n) + ":30080/", 6))
                    .as("NodePort 30080 on node%d", n).containsExactlyElementsOf(BOTH_PODS);
        }
        checkDsr(DSR_IPIP, "198.51.100.10", "ipip");
        checkDsr(DSR_GUE, "198.51.100.11", "gue");

        ExecResult status = agent1.exec("kube-dsr", "status");
        assertThat(status.getExitCode()).as(status.getStderr()).isZero();
        assertThat(status.getStdout()).contains("TCP 10.96.10.80:80").contains("198.51.100.10:8080/tcp")
                .containsPattern("tunnel +ipip").containsPattern("tunnel +gue:5555");
        System.out.println("kube-dsr status in node1's agent pod:\n" + status.getStdout());
        assertThat(lab.api.refusals()).as("requests the ClusterRole refused").isEmpty();
        assertThat(agent1.running() && agent2.running()).isTrue();
        System.out.printf(Locale.ROOT, "node1's agent after the scenario: %s; node2's: %s; the VM's MemAvailable: %s%n",
                mib(agent1.memoryCurrent()), mib(agent2.memoryCurrent()), java.nio.file.Files.readAllLines(
                        java.nio.file.Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemAvailable")).findFirst().orElse("?"));
        long t = System.nanoTime();
        AgentPod updated = rollingUpdate(agent1);
        System.out.printf(Locale.ROOT, "rolling update step: %.0f s%n", (System.nanoTime() - t) / 1e9);
        t = System.nanoTime();
        oneCapabilityFewer();
        System.out.printf(Locale.ROOT, "capability step: %.0f s; node1's agent after all steps: %s%n", (System.nanoTime() - t) / 1e9,
                mib(updated.memoryCurrent()));
    }

    @Test
    void dsrGueVariantServesDsrOverGueByDefault() throws Exception {
        lab = ClusterLab.start("kube-dsr-dsr-gue.yaml", DaemonSetManifest.clusterRole(), false);
        lab.startReadyAgent(1);
        lab.startReadyAgent(2);
        // web-dsr asks for DSR without an encapsulation: this variant's default is GUE.
        checkDsr(DSR_IPIP, "198.51.100.10", "gue");
        assertThat(ClusterLab.answers(lab.client, CLUSTER_IP, 4)).containsExactlyElementsOf(BOTH_PODS);
        assertThat(lab.api.refusals()).isEmpty();
    }

    /**
     * The overlay variant with the nodes on two subnets. First with a ClusterRole that lacks {@code list} on nodes,
     * as deploy/rbac.yaml was before: the stand-in refuses the agent's Nodes informer and node1 never gets its
     * tunnel to node2. Then with deploy/rbac.yaml applied and the agent restarted: each node tunnels to the other
     * over IPIP and the client reaches both pods.
     */
    @Test
    void overlayVariantNeedsListOnNodesAndThenTunnelsBetweenTwoSubnets() throws Exception {
        ClusterRole role = DaemonSetManifest.clusterRole();
        List<PolicyRule> rules = new ArrayList<>();
        for (PolicyRule r : role.getRules()) {
            if (r.getResources().equals(List.of("nodes"))) {
                r = new PolicyRuleBuilder(r).withVerbs(r.getVerbs().stream().filter(v -> !v.equals("list")).toList()).build();
            }
            rules.add(r);
        }
        lab = ClusterLab.start("kube-dsr-overlay.yaml", new ClusterRoleBuilder(role).withRules(rules).build(), true);
        AgentPod refused = lab.startReadyAgent(1);
        assertThatThrownBy(() -> await("node1's tunnel to node2", Duration.ofSeconds(45),
                () -> lab.node(1).net().exec("ip", "route").contains("10.244.2.0/24 dev tun-c0a80202")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("timed out");
        List<RbacPolicy.Decision> refusals = lab.api.refusals();
        assertThat(refusals).isNotEmpty().allSatisfy(d -> {
            assertThat(d.user()).isEqualTo("system:serviceaccount:kube-system:kube-dsr");
            assertThat(d.request().resource()).isEqualTo("nodes");
            assertThat(d.request().verb()).isEqualTo("list");
        });
        System.out.println("refused: " + refusals.get(0).request().describe());

        lab.api.apply(DaemonSetManifest.clusterRole());
        refused.stop();
        int before = lab.api.refusals().size(); // the refused informer kept retrying until its agent stopped
        lab.startReadyAgent(1);
        lab.startReadyAgent(2);
        overlayScenario(Duration.ofMinutes(3));
        assertThat(lab.api.refusals()).hasSize(before);
    }

    /** Each node's tunnel to the other carries the other's pod CIDR; the client reaches both pods. */
    private void overlayScenario(Duration timeout) throws Exception {
        TestNamespace node1 = lab.node(1).net();
        await("node1's tunnel to node2 (192.168.2.2) carrying 10.244.2.0/24", timeout,
                () -> node1.exec("ip", "route").contains("10.244.2.0/24 dev tun-c0a80202"));
        await("node2's tunnel back", timeout, () -> lab.node(2).net().exec("ip", "route").contains("10.244.1.0/24 dev tun-c0a80101"));
        long before = txPackets(node1, "tun-c0a80202");
        assertThat(ClusterLab.answers(lab.client, CLUSTER_IP, 8)).containsExactlyElementsOf(BOTH_PODS);
        assertThat(ClusterLab.ask(lab.pods.get(0).net(), "http://10.244.2.10:8080/")).isEqualTo("pod web-b");
        assertThat(txPackets(node1, "tun-c0a80202") - before).as("node1 sent to web-b through the IPIP tunnel").isPositive();
    }

    private static long txPackets(TestNamespace node, String link) {
        return Long.parseLong(node.exec("cat", "/sys/class/net/" + link + "/statistics/tx_packets").trim());
    }

    /**
     * DSR of {@code vip} over {@code encap}: node1 directs through fwmark and tunnel-mode real servers, both pods
     * answer, and web-b's replies bypass node1: none enter node1 from the network, all leave web-b through node2,
     * and IPVS counts no outgoing packet for web-b (the counters of DsrRealKernelTest).
     */
    private void checkDsr(String url, String vip, String encap) throws Exception {
        TestNamespace node1 = lab.node(1).net();
        TestNamespace node2 = lab.node(2).net();
        TestNamespace webB = lab.pods.get(1).net();
        await("web-b's receiver holding " + vip, Duration.ofMinutes(2), () -> webB.exec("ip", "addr").contains(vip + "/32"));
        await("node1's fwmark service for " + vip, Duration.ofMinutes(1), () -> node1.exec("ipvsadm", "-Ln").contains("FWM"));
        if (encap.equals("gue")) {
            assertThat(webB.exec("ip", "fou", "show")).as("web-b's GUE port").contains("5555");
        }
        node1.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "flush chain ip probe pre; add rule ip probe pre iifname eth0 ip saddr " + vip + " counter");
        // On node2: replies from the VIP leaving web-b, and the director's packets arriving as IPIP or as GUE.
        node2.exec("nft", "add table ip probe; add chain ip probe pre { type filter hook prerouting priority -300; }; "
                + "flush chain ip probe pre; add rule ip probe pre iifname veth-web-b ip saddr " + vip + " counter; "
                // IPIP is IP protocol 4 ("ipencap" in /etc/protocols, where "ipip" names 94)
                + "add rule ip probe pre iifname eth0 ip protocol 4 counter; "
                + "add rule ip probe pre iifname eth0 udp dport 5555 counter");
        assertThat(ClusterLab.answers(lab.client, url, 8)).containsExactlyElementsOf(BOTH_PODS);
        assertThat(node1.exec("nft", "list", "chain", "ip", "probe", "pre")).as("no reply re-entered node1").contains("packets 0 ");
        List<String> node2Counters = node2.exec("nft", "list", "chain", "ip", "probe", "pre").lines()
                .filter(l -> l.contains("counter")).toList();
        assertThat(node2Counters.get(0)).as("web-b's replies went out through node2").doesNotContain("packets 0 ");
        assertThat(node2Counters.get(encap.equals("gue") ? 2 : 1)).as(encap + " from the director").doesNotContain("packets 0 ");
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
        TestNamespace webB = lab.pods.get(1).net();
        await("DSR in place", Duration.ofMinutes(2), () -> webB.exec("ip", "addr").contains("198.51.100.10/32"));
        String before = KernelDump.of(lab.node(1).net());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread loop = new Thread(() -> {
            int i = 0;
            while (running.get()) {
                String url = List.of(CLUSTER_IP, DSR_IPIP, "http://192.168.1.1:30080/").get(i++ % 3);
                try {
                    ClusterLab.ask(lab.client, url);
                    ok.incrementAndGet();
                } catch (IllegalStateException e) {
                    failures.add(url + ": " + e.getMessage());
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
            updated.awaitReady(Duration.ofMinutes(4));
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
     * node1's agent started without each capability the manifest grants in turn (a DaemonSet edited wrongly): it
     * exits 3 with a line naming the capability, and node1's kernel state is what it was.
     */
    private void oneCapabilityFewer() throws Exception {
        TestNamespace node1 = lab.node(1).net();
        for (Capability missing : Capability.values()) {
            String before = KernelDump.of(node1);
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
}
