package io.kubedsr.netlink.fuzz;

import java.nio.file.Path;
import java.util.List;

/**
 * The long fuzzing run (bench/fuzz.sh): every {@code *FuzzTarget} of the module it runs in, for a number of
 * inputs each (default 1,000,000), one after the other; prints a line per target and exits non-zero when any
 * target had a finding. Usage: {@code FuzzBench [inputs] [target-class-name-filter]}.
 */
public final class FuzzBench {
    private FuzzBench() {
    }

    public static void main(String[] args) {
        long runs = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        String filter = args.length > 1 ? args[1] : "";
        List<String> targets = Fuzzing.targetsIn(Path.of("target", "test-classes")).stream()
                .filter(t -> t.contains(filter)).toList();
        boolean failed = false;
        for (String t : targets) {
            long start = System.nanoTime();
            FuzzRun run = Fuzzing.run(t, runs, 0, Path.of("target", "fuzz-bench"));
            long wall = (System.nanoTime() - start) / 1_000_000_000L;
            System.out.println("fuzz " + run.line() + String.format("  (%d s with JVM start)", wall));
            if (!run.survived()) {
                failed = true;
                System.out.println(run.finding());
            }
        }
        System.exit(failed ? 1 : 0);
    }
}
