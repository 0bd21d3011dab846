package io.kubedsr.proxy.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.kubedsr.proxy.kernel.SyncResult;

/**
 * What the agent's syncs did, for the metrics endpoint: durations of full and partial syncs under kube-proxy's
 * names and buckets, kernel operation counters, and kube-proxy's network programming latency (from the time a
 * Service or EndpointSlice change was seen to the end of the kernel write that carried it). Thread-safe.
 */
public final class SyncMetrics {
    /** The kinds of sync the agent runs: full, incremental, graceful termination's follow-up, a step of the periodic verification. */
    public enum Kind {
        FULL, INCREMENTAL, DRAIN, VERIFY
    }

    /** kube-proxy's sync_proxy_rules buckets: 1 ms doubling fifteen times (to about 16 s). */
    static final List<Double> SYNC_BUCKETS = Histogram.exponential(0.001, 2, 15);
    /** kube-proxy's network_programming buckets: 0.25 s, 0.5 s, 1..59 s, 60..115 s by 5, 120..300 s by 30. */
    static final List<Double> PROGRAMMING_BUCKETS = programmingBuckets();

    final Histogram all = new Histogram(SYNC_BUCKETS);
    final Histogram full = new Histogram(SYNC_BUCKETS);
    final Histogram partial = new Histogram(SYNC_BUCKETS);
    final Histogram programming = new Histogram(PROGRAMMING_BUCKETS);
    private long ipvsOperations;
    private long ipvsFailures;
    private long addressOperations;
    private long syncErrors;
    private final CacheSizes caches = new CacheSizes();

    private static List<Double> programmingBuckets() {
        List<Double> b = new ArrayList<>(Histogram.linear(0.25, 0.25, 2));
        b.addAll(Histogram.linear(1, 1, 59));
        b.addAll(Histogram.linear(60, 5, 12));
        b.addAll(Histogram.linear(120, 30, 7));
        return List.copyOf(b);
    }

    /**
     * A completed sync: its duration and operations, and for every Service change it carried the time from the
     * change to {@code writtenAt}.
     */
    public void synced(Kind kind, SyncResult result, Collection<Instant> changes, Instant writtenAt) {
        synced(kind, result.elapsed(), result.ipvsOperations(), result.failures().size(), result.addressOperations(), changes,
                writtenAt);
    }

    /** The same from the numbers of a sync. */
    public void synced(Kind kind, Duration elapsed, int ipvsOps, int ipvsFailed, int addressOps, Collection<Instant> changes,
            Instant writtenAt) {
        double seconds = elapsed.toNanos() / 1e9;
        all.observe(seconds);
        if (kind == Kind.FULL) {
            full.observe(seconds);
        } else if (kind == Kind.INCREMENTAL) {
            partial.observe(seconds);
        }
        for (Instant changed : changes) {
            programming.observe(Math.max(0, Duration.between(changed, writtenAt).toNanos() / 1e9));
        }
        synchronized (this) {
            ipvsOperations += ipvsOps;
            ipvsFailures += ipvsFailed;
            addressOperations += addressOps;
        }
    }

    /** The sizes of the agent's caches, rendered with the sync families. */
    public CacheSizes caches() {
        return caches;
    }

    /** A sync that threw (a full resync follows). */
    public synchronized void failed() {
        syncErrors++;
    }

    /** Appends the sync families to {@code out}. */
    public void render(PrometheusText out) {
        out.singleHistogram("kubeproxy_sync_proxy_rules_duration_seconds", "Duration of every sync (full, partial,"
                + " graceful-termination follow-ups and steps of the periodic verification) in seconds", all.snapshot());
        out.singleHistogram("kubeproxy_sync_full_proxy_rules_duration_seconds",
                "Duration of full resyncs (kernel dumped, drift repaired) in seconds", full.snapshot());
        out.singleHistogram("kubeproxy_sync_partial_proxy_rules_duration_seconds",
                "Duration of incremental syncs (only changed Services re-planned) in seconds", partial.snapshot());
        out.singleHistogram("kubeproxy_network_programming_duration_seconds",
                "Time from a Service or EndpointSlice change seen by the agent to the end of the kernel write carrying it, in seconds",
                programming.snapshot());
        long ops;
        long fails;
        long addrs;
        long errors;
        synchronized (this) {
            ops = ipvsOperations;
            fails = ipvsFailures;
            addrs = addressOperations;
            errors = syncErrors;
        }
        out.single("kube_dsr_ipvs_operations_total", "counter", "IPVS writes issued (virtual and real servers added, edited, deleted)", ops);
        out.single("kube_dsr_ipvs_operation_failures_total", "counter", "IPVS writes the kernel refused", fails);
        out.single("kube_dsr_address_operations_total", "counter",
                "Other kernel writes issued: the VIPs' local routes (and deletions of VIP addresses left on kube-dummy-if),"
                        + " nftables table replacements, DSR policy rules and pod receivers", addrs);
        out.single("kube_dsr_sync_errors_total", "counter", "Syncs that failed with an error (a full resync follows each)", errors);
        caches.render(out);
    }
}
