package io.kubedsr.proxy.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * How many entries each of the agent's long-lived maps and sets holds, exposed as the gauge
 * {@code kube_dsr_cache_entries{cache="..."}}: a number that keeps growing while the cluster does not is a leak. The
 * sync engine's are taken on the kernel thread at the end of each service sync ({@link #engine}); others are read
 * when scraped ({@link #watch}). Thread-safe.
 */
public final class CacheSizes {
    private volatile Map<String, Integer> engine = Map.of();
    private final Map<String, IntSupplier> watched = new ConcurrentHashMap<>();

    /** The sync engine's caches as the last sync left them. */
    public void engine(Map<String, Integer> sizes) {
        engine = Map.copyOf(sizes);
    }

    /** A cache read when scraped; {@code size} must be safe to call from any thread. */
    public void watch(String name, IntSupplier size) {
        watched.put(name, size);
    }

    /** Every cache's size by name, sorted. */
    public Map<String, Integer> snapshot() {
        Map<String, Integer> out = new TreeMap<>(engine);
        watched.forEach((name, size) -> out.put(name, size.getAsInt()));
        return out;
    }

    void render(PrometheusText out) {
        out.family("kube_dsr_cache_entries", "gauge", "Entries in each of the agent's caches (the sync engine's as its last sync"
                + " left them); steady while the cluster is");
        snapshot().forEach((name, size) -> out.sample("kube_dsr_cache_entries", size, "cache", name));
    }
}
