package io.kubedsr.e2e.faults;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import io.kubedsr.e2e.lab.ApiProxy;
import io.kubedsr.e2e.lab.KernelDump;
import io.kubedsr.e2e.lab.StandInApi;
import io.kubedsr.netlink.TestNamespace;

/**
 * kill -9 in the middle of a full sync, on the real kernel, against a clean run. First a clean run: a fresh node1
 * (with foreign objects: {@link BigCluster#foreignObjects}) and its pods, one agent process that syncs the whole
 * {@link BigCluster} to the end; its kernel state is the reference ({@link KernelDump}), and the time from
 * "informers synced" to the end of its first full sync is the window kills are drawn in. Then each run: a fresh node
 * the same way, an agent killed at a random instant of that window after it logged "informers synced", a new agent
 * killed the same way, as many times as asked, and a last agent left to converge; its kernel state must equal the
 * clean run's, foreign objects included. What each kill interrupted is read from the kernel right after it.
 */
final class CrashScenario {
    /** What one kill -9 interrupted. */
    record Kill(int run, int number, double atSeconds, String kernel) {
    }

    /** The figures of all runs: the clean sync's length, every kill, and the runs whose state differed. */
    record Outcome(double cleanSyncSeconds, List<Kill> kills, List<Integer> differing, List<String> foreignLines, List<String> diffs) {
    }

    private final BigCluster.Size size;
    private final int runs;
    private final int killsPerRun;
    private final Random random;
    private final PrintStream out;

    CrashScenario(BigCluster.Size size, int runs, int killsPerRun, long seed, PrintStream out) {
        this.size = size;
        this.runs = runs;
        this.killsPerRun = killsPerRun;
        this.random = new Random(seed);
        this.out = out;
        out.printf(Locale.ROOT, "crash scenario: %d services x %d endpoints, %d DSR pods, %d peer nodes; %d runs of %d kills; seed %d%n",
                size.services(), size.endpoints(), size.dsrPods(), size.peers(), runs, killsPerRun, seed);
    }

    /** A fresh node and pods, with the foreign objects, and a proxy to the API in the node. */
    private static final class Node implements AutoCloseable {
        final TestNamespace ns = BigCluster.node();
        final List<TestNamespace> pods;
        final ApiProxy proxy;

        Node(BigCluster.Size size, StandInApi api) {
            pods = BigCluster.pods(size.dsrPods());
            BigCluster.foreignObjects(ns);
            proxy = ApiProxy.open(ns.namespace(), api.address());
        }

        String dump() {
            return KernelDump.of(ns, pods);
        }

        @Override
        public void close() {
            proxy.close();
            pods.forEach(TestNamespace::close);
            ns.close();
        }
    }

    Outcome run() throws Exception {
        Duration limit = Duration.ofSeconds(120 + size.services() / 25);
        try (StandInApi api = StandInApi.withHistoryFrom(0)) {
            long t0 = System.nanoTime();
            BigCluster.populate(api.client(), size);
            out.printf(Locale.ROOT, "API populated in %.1f s%n", (System.nanoTime() - t0) / 1e9);

            String clean;
            double window;
            List<String> foreign;
            try (Node node = new Node(size, api); NodeAgent agent = NodeAgent.start(node.ns, BigCluster.NODE, node.proxy.url(),
                    BigCluster.FLAGS, "")) {
                agent.awaitLogged("informers synced", limit);
                long synced = System.nanoTime();
                agent.awaitLogged("sync done kind=FULL", limit);
                window = (System.nanoTime() - synced) / 1e9;
                agent.awaitConverged(limit);
                clean = node.dump();
                foreign = BigCluster.foreignLines(clean);
                out.printf(Locale.ROOT, "clean run: first full sync %.1f s after the informers synced; %d lines of kernel state%n", window,
                        clean.lines().count());
            }

            List<Kill> kills = new ArrayList<>();
            List<Integer> differing = new ArrayList<>();
            List<String> diffs = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                try (Node node = new Node(size, api)) {
                    for (int k = 1; k <= killsPerRun; k++) {
                        try (NodeAgent agent = NodeAgent.start(node.ns, BigCluster.NODE, node.proxy.url(), BigCluster.FLAGS, "")) {
                            agent.awaitLogged("informers synced", limit);
                            double at = random.nextDouble() * window;
                            Thread.sleep((long) (at * 1000));
                            boolean finished = agent.logged("sync done kind=FULL");
                            agent.kill();
                            Kill kill = new Kill(run, k, at, progress(node) + (finished ? " (its first full sync had ended)" : ""));
                            kills.add(kill);
                            out.printf(Locale.ROOT, "run %d kill %d at %.1f s of the sync: %s%n", run, k, at, kill.kernel());
                        }
                    }
                    try (NodeAgent last = NodeAgent.start(node.ns, BigCluster.NODE, node.proxy.url(), BigCluster.FLAGS, "")) {
                        long t = System.nanoTime();
                        last.awaitConverged(limit);
                        String state = node.dump();
                        boolean same = state.equals(clean);
                        out.printf(Locale.ROOT, "run %d: the agent after the kills converged in %.1f s; kernel state %s the clean run's%n", run,
                                (System.nanoTime() - t) / 1e9, same ? "equal to" : "DIFFERENT from");
                        if (!same) {
                            differing.add(run);
                            diffs.add(diff(clean, state));
                            out.println(diffs.get(diffs.size() - 1));
                        }
                    }
                }
            }
            return new Outcome(window, kills, differing, foreign, diffs);
        }
    }

    /** What the kernel held right after a kill: how far the full sync had got. */
    private String progress(Node node) {
        String vips = node.ns.exec("sh", "-c", "ip route show table local dev kube-dummy-if 2>/dev/null | wc -l").trim();
        String ipvs = node.ns.exec("sh", "-c", "ipvsadm -Sn | grep -c '^-A' || true").trim();
        String reals = node.ns.exec("sh", "-c", "ipvsadm -Sn | grep -c '^-a' || true").trim();
        String nft = node.ns.exec("sh", "-c", "nft list tables | tr '\\n' ' '").trim();
        String tunnels = node.ns.exec("sh", "-c", "ip -o link show | grep -c ' tun-' || true").trim();
        long receivers = node.pods.stream().filter(p -> p.exec("ip", "-o", "link").contains("kube-tunnel-if")).count();
        return String.format(Locale.ROOT, "%s VIPs, %s virtual servers (%s real), nft [%s], %s tunnels, %d/%d receivers", vips, ipvs,
                reals, nft, tunnels, receivers, node.pods.size());
    }

    /** The lines only one of two dumps has (at most 40 of each). */
    static String diff(String expected, String actual) {
        List<String> a = expected.lines().toList();
        List<String> b = actual.lines().toList();
        java.util.Set<String> inA = new java.util.HashSet<>(a);
        java.util.Set<String> inB = new java.util.HashSet<>(b);
        StringBuilder sb = new StringBuilder();
        a.stream().filter(l -> !inB.contains(l)).limit(40).forEach(l -> sb.append("- ").append(l).append('\n'));
        b.stream().filter(l -> !inA.contains(l)).limit(40).forEach(l -> sb.append("+ ").append(l).append('\n'));
        return sb.toString();
    }
}
