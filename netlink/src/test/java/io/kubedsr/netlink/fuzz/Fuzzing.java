package io.kubedsr.netlink.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs fuzz targets with Jazzer (coverage-guided, libFuzzer inside the JVM), each in a child JVM on this
 * JVM's class path, so that a finding, a hang or an exhausted heap ends that child and not the build.
 * <p>
 * A fuzz target is a test class named {@code *FuzzTarget} with {@code public static void
 * fuzzerTestOneInput(byte[])} (or a {@code FuzzedDataProvider}); any exception it lets escape is a finding,
 * so each target catches exactly the exception types its decoder or parser documents and nothing else. An
 * optional {@code public static List<byte[]> seeds()} gives valid inputs (what the encoders write) to start
 * from; they are written into a fresh corpus directory, never into the source tree. libFuzzer's
 * {@code -timeout} turns an input that runs longer than {@value #HANG_SECONDS} s into a finding (a hang).
 */
public final class Fuzzing {
    static final int HANG_SECONDS = 10;
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in (\\d+) second");
    private static final Pattern EXECUTED = Pattern.compile("stat::number_of_executed_units: (\\d+)");
    private static final Pattern RATE = Pattern.compile("stat::average_exec_per_sec: +(\\d+)");
    private static final Pattern NEW_UNITS = Pattern.compile("stat::new_units_added: +(\\d+)");

    private Fuzzing() {
    }

    /** The fuzz targets compiled into a test-classes directory, by class name, sorted. */
    public static List<String> targetsIn(Path testClasses) {
        if (!Files.isDirectory(testClasses)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(testClasses)) {
            return files.map(p -> testClasses.relativize(p).toString())
                    .filter(n -> n.endsWith("FuzzTarget.class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Fuzzes {@code target} until {@code runs} inputs were executed (0: no limit) or {@code maxSeconds} passed
     * (0: no time limit), in a child JVM; its work files (corpus, crash inputs, reproducers, log) go under {@code workDir}.
     */
    public static FuzzRun run(String target, long runs, int maxSeconds, Path workDir) {
        try {
            Path dir = workDir.resolve(target);
            Path corpus = dir.resolve("corpus");
            deleteRecursively(dir);
            Files.createDirectories(corpus);
            writeSeeds(target, corpus);
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    "com.code_intelligence.jazzer.Jazzer", "--target_class=" + target,
                    "--instrumentation_includes=io.kubedsr.**", "--reproducer_path=" + dir,
                    "-artifact_prefix=" + dir + "/", "-timeout=" + HANG_SECONDS, "-rss_limit_mb=2048",
                    "-print_final_stats=1", "-seed=1", "-runs=" + (runs > 0 ? runs : -1)));
            if (maxSeconds > 0) {
                command.add("-max_total_time=" + maxSeconds);
            }
            command.add(corpus.toString());
            Path log = dir.resolve("fuzz.log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long limit = maxSeconds > 0 ? maxSeconds + 120L : TimeUnit.DAYS.toSeconds(1);
            if (!p.waitFor(limit, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return new FuzzRun(target, 0, 0, 0, 0, -1, "the fuzzing JVM did not end within " + limit + " s; see " + log);
            }
            return parse(target, p.exitValue(), Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static FuzzRun parse(String target, int exitCode, String output) {
        long runs = last(EXECUTED, output);
        long seconds = 0;
        Matcher done = DONE.matcher(output);
        while (done.find()) {
            runs = Math.max(runs, Long.parseLong(done.group(1)));
            seconds = Long.parseLong(done.group(2));
        }
        long rate = last(RATE, output);
        if (rate == 0 && seconds > 0) {
            rate = runs / seconds;
        }
        String finding = null;
        if (exitCode != 0) {
            int at = Math.max(output.indexOf("== Java Exception"), output.indexOf("==ERROR"));
            at = Math.max(at, output.indexOf("ALARM"));
            String from = at >= 0 ? output.substring(at) : output.substring(Math.max(0, output.length() - 3000));
            finding = from.length() > 3000 ? from.substring(0, 3000) : from;
        }
        return new FuzzRun(target, runs, seconds, rate, last(NEW_UNITS, output), exitCode, finding);
    }

    private static long last(Pattern p, String text) {
        Matcher m = p.matcher(text);
        long v = 0;
        while (m.find()) {
            v = Long.parseLong(m.group(1));
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static void writeSeeds(String target, Path corpus) throws IOException {
        List<byte[]> seeds;
        try {
            Method m = Class.forName(target).getMethod("seeds");
            seeds = (List<byte[]>) m.invoke(null);
        } catch (NoSuchMethodException e) {
            return;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("seeds of " + target + ": " + e, e);
        }
        for (int i = 0; i < seeds.size(); i++) {
            Files.write(corpus.resolve("seed-" + i), seeds.get(i));
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
