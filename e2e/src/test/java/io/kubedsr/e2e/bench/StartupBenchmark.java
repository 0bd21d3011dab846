package io.kubedsr.e2e.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.kubedsr.e2e.lab.AgentProcess;
import io.kubedsr.e2e.lab.ApiLink;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;

/**
 * Benchmark command (not a test), run by {@code bench/startup.sh}: how long an agent process takes from its start
 * to ready (informers synced, first full sync done), with S Services x 10 endpoints, split into the phases the
 * agent's {@code ready in} line reports: JVM start (process start to {@code main}), set-up (flags, Vert.x, API
 * client), API list (informers started to synced), kernel opening (beside the list), planning and kernel work
 * (dump, diff, writes) of the first full sync.
 * <ul>
 * <li>{@code vm}: {@code bin/kube-dsr} in a node namespace of the VM, against {@link CannedApi} over the lab's
 * network; per size a start on a fresh node (everything written) and restarts (the kernel state adopted): as
 * shipped (the launcher gives the build's class-data-sharing archive of {@code kube-dsr warm-up}), with the
 * JDK's own archive only, without sharing ({@code -Xshare:off}), and with an archive from a training start.</li>
 * <li>{@code host}: the same start natively, with the node's kernel in memory (this host's kernel has no IPVS):
 * the JVM, the API list and planning as a real node's CPU runs them (the kernel work is the fakes').</li>
 * <li>{@code memory}: in the VM, one start per size on a fresh node with native memory tracking; once ready and
 * settled, the agent process's resident memory, the JVM's own account of it ({@code jcmd VM.native_memory}), its
 * heap, and the classes holding the live heap ({@code jcmd GC.class_histogram}, after a full collection);
 * {@code -Dkubedsr.bench.javaOpts} adds JVM options after the DaemonSets' ({@code BENCH_PROPS} of the script).</li>
 * </ul>
 * The training archive is written when the JVM of a start with 1,000 Services exits
 * ({@code -XX:ArchiveClassesAtExit}): what a warm-up could at most achieve.
 */
public final class StartupBenchmark {
    private static final Pattern READY = Pattern.compile("ready in (\\d+) ms: jvm_start_ms=(\\d+) setup_ms=(\\d+) "
            + "api_list_ms=(\\d+) kernel_open_ms=(\\d+) plan_ms=(\\d+) kernel_sync_ms=(\\d+) services=(\\d+)");
    private static final String NODE_IP = "192.168.1.1";
    private static final List<String> FLAGS = List.of("--hostname-override=node1", "--cluster-cidr=10.244.0.0/16",
            "--health-port=20244", "--metrics-port=0");

    private final String where;
    private final Path project = AgentProcess.projectRoot();
    private final Path work;
    private final List<String> rows = new ArrayList<>();

    private StartupBenchmark(String where) throws IOException {
        this.where = where;
        this.work = Files.createTempDirectory("startup-bench");
    }

    public static void main(String[] args) throws Exception {
        String where = args[0];
        int[] sizes = Arrays.stream(args).skip(1).mapToInt(Integer::parseInt).toArray();
        StartupBenchmark b = new StartupBenchmark(where);
        if (where.equals("memory")) {
            b.memoryInVm(sizes);
            System.exit(0);
        }
        if (where.equals("vm")) {
            b.inVm(sizes);
        } else {
            b.onHost(sizes);
        }
        System.out.println();
        System.out.println("where services start              total_ms jvm_start setup api_list kernel_open plan kernel_sync");
        b.rows.forEach(System.out::println);
        System.exit(0);
    }

    /** One start: the process's phases as it reported them. */
    private record Phases(long total, long jvm, long setup, long apiList, long kernelOpen, long plan, long kernelSync, int services) {
        static Phases parse(Matcher m) {
            return new Phases(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)), Long.parseLong(m.group(7)),
                    Integer.parseInt(m.group(8)));
        }
    }

    private void inVm(int[] sizes) throws Exception {
        Path trained;
        try (VmNode node = new VmNode()) {
            trained = train(node.command(), ApiLink.ADDRESS);
        }
        for (int size : sizes) {
            try (VmNode node = new VmNode(); CannedApi api = CannedApi.serve(ApiLink.ADDRESS, size, "node1", NODE_IP)) {
                List<String> command = node.command();
                record(size, "fresh node", start(command, api, AgentProcess.JAVA_OPTS, "fresh", size));
                record(size, "restart", start(command, api, AgentProcess.JAVA_OPTS, "restart", size));
                record(size, "restart, JDK CDS only", start(command, api, AgentProcess.JAVA_OPTS + " " + jdkArchive(), "jdk", size));
                record(size, "restart, -Xshare:off", start(command, api, AgentProcess.JAVA_OPTS + " -Xshare:off", "noshare", size));
                record(size, "restart, trained CDS", start(command, api,
                        AgentProcess.JAVA_OPTS + " -XX:SharedArchiveFile=" + trained, "trained", size));
            }
        }
    }

    private void memoryInVm(int[] sizes) throws Exception {
        for (int size : sizes) {
            try (VmNode node = new VmNode(); CannedApi api = CannedApi.serve(ApiLink.ADDRESS, size, "node1", NODE_IP)) {
                // -Dkubedsr.bench.javaOpts: options after the DaemonSets' (a later -Xmx wins), to try other heap sizes
                String opts = (AgentProcess.JAVA_OPTS + " -XX:NativeMemoryTracking=summary " + System.getProperty("kubedsr.bench.javaOpts", ""))
                        .trim();
                System.out.printf(Locale.ROOT, "MEMORY %d Services, agent JVM options: %s%n", size, opts);
                start(node.command(), api, opts, "memory", size, p -> memoryReport(p, size));
            }
        }
    }

    /** The ready agent's memory: resident set, the JVM's native memory summary, heap, and the live heap's top classes. */
    private static void memoryReport(Process launched, int size) throws Exception {
        ProcessHandle jvm = Stream.concat(Stream.of(launched.toHandle()), launched.descendants())
                .filter(h -> h.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no java process under " + launched.pid()));
        Thread.sleep(15_000); // settled: the first sync's garbage is there to be collected, nothing else runs
        System.out.printf(Locale.ROOT, "MEMORY %d Services, ready and settled: %s%n", size, residentMemory(jvm.pid()));
        jcmd(jvm.pid(), "GC.heap_info");
        jcmd(jvm.pid(), "VM.native_memory", "summary");
        List<String> histogram = jcmd(jvm.pid(), "GC.class_histogram"); // a full collection first: live objects only
        System.out.printf(Locale.ROOT, "MEMORY %d Services, live heap's top classes:%n", size);
        histogram.stream().limit(28).forEach(l -> System.out.println("MEMORY   " + l));
        histogram.stream().filter(l -> l.startsWith("Total")).forEach(l -> System.out.println("MEMORY   " + l));
        System.out.printf(Locale.ROOT, "MEMORY %d Services, after that full collection: %s%n", size, residentMemory(jvm.pid()));
    }

    private static String residentMemory(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS") || l.startsWith("VmHWM") || l.startsWith("RssAnon") || l.startsWith("RssFile"))
                .map(l -> l.replaceAll("\\s+", " ")).reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static List<String> jcmd(long pid, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(pid)));
        full.addAll(Arrays.asList(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        p.waitFor(2, TimeUnit.MINUTES);
        if (!command[0].equals("GC.class_histogram")) {
            out.stream().filter(l -> !l.isBlank()).forEach(l -> System.out.println("MEMORY   " + l));
        }
        return out;
    }

    private void onHost(int[] sizes) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<String> command = hostCommand();
        Path trained = train(command, loopback);
        String warmUp = " -XX:SharedArchiveFile=" + project.resolve("proxy/target/kube-dsr.jsa");
        for (int size : sizes) {
            try (CannedApi api = CannedApi.serve(loopback, size, "node1", NODE_IP)) {
                for (int run = 1; run <= 2; run++) {
                    record(size, "warm-up CDS", start(command, api, AgentProcess.JAVA_OPTS + warmUp, "warmup" + run, size));
                }
                record(size, "JDK CDS only", start(command, api, AgentProcess.JAVA_OPTS + " " + jdkArchive(), "jdk", size));
                record(size, "-Xshare:off", start(command, api, AgentProcess.JAVA_OPTS + " -Xshare:off", "noshare", size));
                record(size, "trained CDS", start(command, api, AgentProcess.JAVA_OPTS + " -XX:SharedArchiveFile=" + trained,
                        "trained", size));
            }
        }
    }

    /** The JDK's own archive, in place of the one bin/kube-dsr gives (a later option wins). */
    private static String jdkArchive() {
        return "-XX:SharedArchiveFile=" + Path.of(System.getProperty("java.home"), "lib", "server", "classes.jsa");
    }

    /** An archive written when a training start's JVM (1,000 Services) exits, on top of the JDK's. */
    private Path train(List<String> command, InetAddress apiAddress) throws Exception {
        Path trained = work.resolve("trained.jsa");
        try (CannedApi api = CannedApi.serve(apiAddress, 1000, "node1", NODE_IP)) {
            start(command, api, AgentProcess.JAVA_OPTS + " " + jdkArchive() + " -XX:ArchiveClassesAtExit=" + trained, "training", 1000);
        }
        System.out.printf("AppCDS archive of a training start: %d kB%n", Files.size(trained) / 1024);
        return trained;
    }

    /** The in-memory-kernel agent on the shaded jar plus the test jars holding the fakes: java options come first. */
    private List<String> hostCommand() {
        String cp = String.join(":", project.resolve("proxy/target/kube-dsr.jar").toString(),
                project.resolve("proxy/target/kube-dsr-proxy-0.1.0-SNAPSHOT-tests.jar").toString(),
                project.resolve("ipvs/target/kube-dsr-ipvs-0.1.0-SNAPSHOT-tests.jar").toString(),
                project.resolve("netlink/target/kube-dsr-netlink-0.1.0-SNAPSHOT-tests.jar").toString());
        return List.of("JAVA_OPTS", "-cp", cp, "io.kubedsr.proxy.bench.InMemoryKernelAgent");
    }

    private void record(int size, String start, Phases p) {
        rows.add(String.format(Locale.ROOT, "%-5s %8d %-20s %8d %9d %5d %8d %11d %4d %11d", where, size, start, p.total(), p.jvm(),
                p.setup(), p.apiList(), p.kernelOpen(), p.plan(), p.kernelSync()));
        System.out.println(rows.get(rows.size() - 1));
    }

    /**
     * Starts the agent ({@code command}, its element {@code JAVA_OPTS} replaced by {@code javaOpts} or, for the
     * launcher, passed in its environment), waits for its {@code ready in} line, stops it (SIGTERM) and waits for
     * its end.
     */
    private Phases start(List<String> command, CannedApi api, String javaOpts, String label, int size) throws Exception {
        return start(command, api, javaOpts, label, size, p -> {
        });
    }

    /** What is done with an agent once it is ready, before it is stopped. */
    private interface WhenReady {
        void accept(Process agent) throws Exception;
    }

    private Phases start(List<String> command, CannedApi api, String javaOpts, String label, int size, WhenReady whenReady)
            throws Exception {
        Path kubeconfig = MockApi.writeKubeconfig(api.url(command.get(0).equals("ip") ? ApiLink.ADDRESS : InetAddress.getLoopbackAddress()));
        List<String> full = new ArrayList<>();
        for (String c : command) {
            if (c.equals("JAVA_OPTS")) {
                full.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                full.addAll(Arrays.asList(javaOpts.split(" ")));
            } else {
                full.add(c);
            }
        }
        full.add("--kubeconfig=" + kubeconfig);
        full.addAll(FLAGS);
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        env.put("KUBE_DSR_JAVA_OPTS", javaOpts);
        Path log = work.resolve(label + "-" + size + ".log");
        Process p = pb.redirectOutput(log.toFile()).start();
        Phases phases = awaitReady(p, log, label, size);
        whenReady.accept(p);
        p.destroy();
        p.waitFor(2, TimeUnit.MINUTES);
        if (phases.services() != size) {
            throw new IllegalStateException(label + ": ready with " + phases.services() + " Services, not " + size);
        }
        return phases;
    }

    /** Reads the process's log until its {@code ready in} line; fails if the process ends first. */
    private static Phases awaitReady(Process p, Path log, String label, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(20);
        while (System.nanoTime() < deadline) {
            Matcher m = READY.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) {
                return Phases.parse(m);
            }
            if (!p.isAlive()) {
                throw new IllegalStateException(label + " (" + size + " Services) ended before ready; log " + log);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(label + " (" + size + " Services) not ready after 20 minutes; log " + log);
    }

    /** A router and node1 (192.168.1.1) of {@link RoutedLan}, linked to this namespace, where the canned API listens. */
    private final class VmNode implements AutoCloseable {
        final TestNamespace router = TestNamespace.create();
        final TestNamespace node = TestNamespace.create();
        final ApiLink link;

        VmNode() {
            RoutedLan.router(router);
            RoutedLan.node(router, node, 1);
            link = ApiLink.to(router, List.of("192.168.1.0/24"));
        }

        List<String> command() {
            return List.of("ip", "netns", "exec", node.name(), project.resolve("bin/kube-dsr").toString());
        }

        @Override
        public void close() {
            link.close();
            node.close();
            router.close();
        }
    }
}
