package io.kubedsr.e2e.faults;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.kubedsr.e2e.lab.AgentProcess;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.netlink.TestNamespace;

/**
 * The agent as a node runs it, in a process of its own so that it can be killed with SIGKILL: {@code bin/kube-dsr}
 * (the shaded jar the reactor built) started with {@code ip netns exec} in a node's namespace (which execs it: the
 * process is the JVM), the DaemonSets' JVM options ({@link AgentProcess#JAVA_OPTS}), a kubeconfig pointing at the
 * stand-in API through an {@link io.kubedsr.e2e.lab.ApiProxy} in that namespace, and its output in a log file.
 */
final class NodeAgent implements AutoCloseable {
    static final int METRICS_PORT = 20245;

    private final TestNamespace node;
    private final Process process;
    private final Path log;

    private NodeAgent(TestNamespace node, Process process, Path log) {
        this.node = node;
        this.process = process;
        this.log = log;
    }

    /** The project's root: the e2e module's parent (its test classes are in e2e/target/test-classes). */
    static Path projectRoot() {
        try {
            Path classes = Path.of(NodeAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the agent in {@code node} as {@code nodeName} against the API at {@code apiUrl} (as seen from the node),
     * with {@code flags} after the kubeconfig, node name and metrics port; {@code extraJavaOpts} after the DaemonSets'.
     */
    static NodeAgent start(TestNamespace node, String nodeName, String apiUrl, List<String> flags, String extraJavaOpts)
            throws IOException {
        Path kubeconfig = MockApi.writeKubeconfig(apiUrl);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", node.name(), projectRoot().resolve("bin/kube-dsr").toString(),
                "--kubeconfig=" + kubeconfig, "--hostname-override=" + nodeName, "--metrics-addr=127.0.0.1",
                "--metrics-port=" + METRICS_PORT));
        command.addAll(flags);
        Path log = Files.createTempFile("kube-dsr-" + nodeName + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        pb.environment().put("KUBE_DSR_JAVA_OPTS", (AgentProcess.JAVA_OPTS + " " + extraJavaOpts).trim());
        return new NodeAgent(node, pb.start(), log);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** What the process printed so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    boolean logged(String text) {
        return log().contains(text);
    }

    /** Waits until the log holds {@code text}; fails if the process ends first or {@code limit} passes. */
    void awaitLogged(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!logged(text)) {
            if (!process.isAlive()) {
                throw new AssertionError("the agent exited with status " + process.exitValue() + " before logging '" + text
                        + "':\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the agent did not log '" + text + "' within " + limit.toSeconds() + " s:\n" + tail());
            }
            Thread.sleep(50);
        }
    }

    /** The first full syncs of the services and of the overlay are done. */
    void awaitConverged(Duration limit) throws InterruptedException {
        awaitLogged("sync done kind=FULL", limit);
        awaitLogged("overlay sync done full=true", limit);
    }

    /** The last lines of the log, for a failure's message. */
    String tail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /**
     * The metrics as Prometheus scrapes them, read from inside the node. A minute at most: with 10,000 Services the
     * exposition is a megabyte and a virtual-server dump, which an agent under churn in the emulated VM took over 20 s
     * to serve once (the soak prints each scrape's time).
     */
    String metrics() {
        return node.exec("curl", "-sS", "--max-time", "60", "http://127.0.0.1:" + METRICS_PORT + "/metrics");
    }

    /** The process's resident memory, in kB (VmRSS). */
    long residentKilobytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + process.pid());
    }

    /**
     * SIGKILL to the agent and every process it started (an {@code nft} it was running), as a runtime kills a
     * container's processes: no shutdown hook runs, nothing it started finishes its work.
     */
    void kill() throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the agent did not die of SIGKILL");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
