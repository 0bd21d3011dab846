package io.kubedsr.e2e.faults;

import java.util.Locale;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/crash.sh}: {@link CrashScenario} at full size.
 * Arguments: services (10,000), runs (3), kills per run (2), random seed (the clock). Prints every kill and whether
 * each run's kernel state equals the clean run's; exits 1 if one does not.
 */
public final class CrashBenchmark {
    private CrashBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int kills = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : System.nanoTime();
        CrashScenario.Outcome o = new CrashScenario(new BigCluster.Size(services, 10, 2, 10), runs, kills, seed, System.out).run();
        System.out.printf(Locale.ROOT, "RESULT %d kill -9 in %d runs of %d x 10 Services (first full sync of a clean node: %.1f s);"
                + " runs whose kernel state differed from the clean run's: %d; foreign objects present: %d lines%n", o.kills().size(), runs,
                services, o.cleanSyncSeconds(), o.differing().size(), o.foreignLines().size());
        for (CrashScenario.Kill k : o.kills()) {
            System.out.printf(Locale.ROOT, "RESULT run %d kill %d at %.1f s: %s%n", k.run(), k.number(), k.atSeconds(), k.kernel());
        }
        System.exit(o.differing().isEmpty() ? 0 : 1);
    }
}
