package io.kubedsr.proxy.watch;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.kubedsr.proxy.model.ServiceRef;

/**
 * Which Services changed since the last sync, and when each first changed (for
 * kubeproxy_network_programming_duration_seconds). Informer handlers only record here; the sync drains it.
 * Confined to the agent's event loop.
 */
public final class ChangeTracker {
    private final Map<ServiceRef, Instant> pending = new LinkedHashMap<>();

    /** Records a change; an earlier pending change of the same Service keeps its (earlier) time. */
    public void changed(ServiceRef service, Instant at) {
        pending.putIfAbsent(service, at);
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    public int size() {
        return pending.size();
    }

    /** The pending changes, removed from the tracker. */
    public Map<ServiceRef, Instant> drain() {
        Map<ServiceRef, Instant> out = new LinkedHashMap<>(pending);
        pending.clear();
        return out;
    }
}
