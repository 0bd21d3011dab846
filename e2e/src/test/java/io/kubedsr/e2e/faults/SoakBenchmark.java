package io.kubedsr.e2e.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/soak.sh}: {@link ChurnSoak} at full size.
 * Arguments: minutes (30), services (10,000), updates a second (10). Prints a sample a minute, then the slope of the
 * agent's resident memory and of its heap after GC (after the first fifth of the run), its GC time in each half,
 * the sync errors, and every cache at the start and after the churn was undone; exits 1 on a sync error or a cache
 * that grew.
 */
public final class SoakBenchmark {
    private SoakBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int services = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        double rate = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        ChurnSoak.Outcome o = new ChurnSoak(new BigCluster.Size(services, 10, 2, 10), Duration.ofMinutes(minutes), rate,
                Duration.ofMinutes(1), List.of(), System.out).run();
        List<ChurnSoak.Sample> steady = o.samples().subList(Math.max(1, o.samples().size() / 5), o.samples().size());
        List<Double> t = new ArrayList<>();
        List<Double> rss = new ArrayList<>();
        List<Double> heap = new ArrayList<>();
        steady.forEach(s -> {
            t.add(s.minutes());
            rss.add(s.residentMb());
            heap.add(s.heapAfterGcMb());
        });
        ChurnSoak.Sample first = o.samples().get(0);
        ChurnSoak.Sample mid = o.samples().get(o.samples().size() / 2);
        ChurnSoak.Sample last = o.last();
        System.out.printf(Locale.ROOT, "RESULT %d min of churn beside %d x 10 Services: %d updates (%d IPVS operations, %d incremental syncs),"
                + " %d sync errors%n", minutes, services, o.updates(), last.ipvsOperations() - first.ipvsOperations(),
                last.partialSyncs() - first.partialSyncs(), last.syncErrors());
        System.out.printf(Locale.ROOT, "RESULT resident memory %.1f -> %.1f MB, slope %.2f MB/hour after the first fifth; heap after GC"
                + " %.1f -> %.1f MB, slope %.2f MB/hour%n", first.residentMb(), last.residentMb(), 60 * ChurnSoak.slope(t, rss),
                first.heapAfterGcMb(), last.heapAfterGcMb(), 60 * ChurnSoak.slope(t, heap));
        System.out.printf(Locale.ROOT, "RESULT GC: first half %d GCs %.0f ms, second half %d GCs %.0f ms%n", mid.gcs() - first.gcs(),
                mid.gcMillis() - first.gcMillis(), last.gcs() - mid.gcs(), last.gcMillis() - mid.gcMillis());
        System.out.printf(Locale.ROOT, "RESULT metrics scrape (a virtual-server dump and the whole exposition): mean %.1f s, max %.1f s%n",
                o.samples().stream().mapToDouble(ChurnSoak.Sample::scrapeSeconds).average().orElse(0),
                o.samples().stream().mapToDouble(ChurnSoak.Sample::scrapeSeconds).max().orElse(0));
        System.out.printf(Locale.ROOT, "RESULT caches at the start %s%nRESULT caches after the churn was undone %s%n", o.cachesAtStart(),
                o.cachesAtEnd());
        System.exit(last.syncErrors() == 0 && o.cachesAtEnd().equals(o.cachesAtStart()) ? 0 : 1);
    }
}
