package io.kubedsr.e2e.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubedsr.e2e.vm.BlockedThreadFindings;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;

/**
 * The agent as a node runs it: {@code bin/kube-dsr} (the shaded jar the reactor built) as a process inside a node's
 * network namespace, with the DaemonSets' JVM options and a heap of their size, talking to the API over the lab's
 * network ({@link ApiLink}); its output goes to a log file. Ready is what the kubelet's probe sees: {@code /healthz}
 * answering 200 on the node's address. Stopping it reads its {@code kube_dsr_blocked_threads_total} first and hands
 * a count above zero to {@link BlockedThreadFindings}, which fails the VM scenario.
 */
public final class AgentProcess implements AutoCloseable {
    public static final int HEALTH_PORT = 20244;
    public static final int METRICS_PORT = 20245;
    /**
     * The DaemonSets' KUBE_DSR_JAVA_OPTS, with the heap their 384Mi limit gives: 50% of it at most, and the JVM's
     * default initial 1/64 of it (6m), below which the heap trimmed after the start does not shrink.
     */
    public static final String JAVA_OPTS = "-XX:+UseSerialGC -Xss512k -Xmx192m -Xms6m -XX:MaxMetaspaceSize=96m"
            + " -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=32m -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps";
    private static final Pattern BLOCKED = Pattern.compile("(?m)^kube_dsr_blocked_threads_total (\\d+)");

    private final String name;
    private final InetAddress address;
    private final Process process;
    private final Path log;
    private final Instant launched;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AgentProcess(String name, InetAddress address, Process process, Path log, Instant launched) {
        this.name = name;
        this.address = address;
        this.process = process;
        this.log = log;
        this.launched = launched;
    }

    /** The project's root: the e2e module's parent (its test classes are in e2e/target/test-classes). */
    public static Path projectRoot() {
        try {
            Path classes = Path.of(AgentProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts {@code bin/kube-dsr} in {@code node} as {@code nodeName}, with {@code kubeconfig}, health and metrics on
     * their ports, and {@code flags}; {@code prefix} goes before the launcher (e.g. {@code setpriv} dropping a
     * capability). {@code address}: where the harness reaches the node's health and metrics servers.
     */
    public static AgentProcess start(TestNamespace node, String nodeName, InetAddress address, Path kubeconfig, List<String> flags,
            List<String> prefix) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", node.name()));
        command.addAll(prefix);
        command.add(projectRoot().resolve("bin/kube-dsr").toString());
        command.addAll(List.of("--kubeconfig=" + kubeconfig, "--hostname-override=" + nodeName, "--health-port=" + HEALTH_PORT,
                "--metrics-port=" + METRICS_PORT));
        command.addAll(flags);
        Path log = Files.createTempFile("kube-dsr-" + nodeName + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("KUBE_DSR_JAVA_OPTS", JAVA_OPTS);
        Instant launched = Instant.now();
        return new AgentProcess(nodeName, address, pb.start(), log, launched);
    }

    public Instant launched() {
        return launched;
    }

    /** What the process printed so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** The process's lines that contain {@code text} (for a scenario's output). */
    public List<String> logLines(String text) {
        return log().lines().filter(l -> l.contains(text)).toList();
    }

    /** The process's blocked-thread reports: each line saying so and the stack lines below it. */
    private String blockedThreadReports() {
        StringBuilder out = new StringBuilder();
        boolean inReport = false;
        for (String line : log().lines().toList()) {
            inReport = line.contains(" blocked for ") || inReport && line.startsWith("\tat ");
            if (inReport) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits until {@code /healthz} answers 200 (the first full sync is done) and returns the time from the launch;
     * fails if the process ends first or {@code limit} passes.
     */
    public Duration awaitReady(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + "'s agent exited with status " + process.exitValue() + " before it was ready:\n" + log());
            }
            if (get("/healthz").map(r -> r.statusCode() == 200).orElse(false)) {
                return Duration.between(launched, Instant.now());
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + "'s agent was not ready after " + limit.toSeconds() + " s:\n" + log());
    }

    /** The agent's metrics, as Prometheus scrapes them. */
    public String metrics() {
        return get("/metrics").filter(r -> r.statusCode() == 200).map(HttpResponse::body)
                .orElseThrow(() -> new AssertionError(name + "'s agent serves no metrics"));
    }

    private Optional<HttpResponse<String>> get(String path) {
        int port = path.equals("/healthz") ? HEALTH_PORT : METRICS_PORT;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + IpPrefix.format(address) + ":" + port + path))
                    .timeout(Duration.ofSeconds(10)).build();
            return Optional.of(http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty(); // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Waits for the process to end by itself and returns its exit status. */
    public int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + "'s agent still runs after " + limit.toSeconds() + " s:\n" + log());
        }
        return process.exitValue();
    }

    /**
     * Reads the blocked-thread count (a finding for the scenario's check when above zero), then stops the process as
     * the kubelet does (SIGTERM) and returns its exit status.
     */
    public int stop() throws InterruptedException {
        if (process.isAlive()) {
            Matcher m = BLOCKED.matcher(metrics());
            if (!m.find()) {
                throw new AssertionError(name + "'s agent has no kube_dsr_blocked_threads_total");
            }
            long blocked = Long.parseLong(m.group(1));
            if (blocked > 0) {
                BlockedThreadFindings.record("agent process " + name + ": kube_dsr_blocked_threads_total " + blocked
                        + "; what it logged of them:\n" + blockedThreadReports());
            }
        }
        process.destroy();
        return awaitExit(Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
