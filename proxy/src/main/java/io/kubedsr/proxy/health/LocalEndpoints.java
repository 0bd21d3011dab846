package io.kubedsr.proxy.health;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;

/** What a HealthCheckNodePort server needs from a Service and its slices. Pure. */
public final class LocalEndpoints {
    private LocalEndpoints() {
    }

    /**
     * The Service's {@code spec.healthCheckNodePort} when it has one and {@code externalTrafficPolicy: Local}
     * (the API server allocates the port only then; a port left behind after a policy change is not served).
     */
    public static OptionalInt healthCheckNodePort(ServiceView svc) {
        if (!"Local".equals(svc.externalTrafficPolicy())) {
            return OptionalInt.empty();
        }
        Integer port = svc.healthCheckNodePort();
        return port == null || port <= 0 || port > 65535 ? OptionalInt.empty() : OptionalInt.of(port);
    }

    /**
     * The ready endpoints on {@code nodeName}, each counted once however many slices list it (by its first
     * address) and however many address families do (a dual-stack Service lists every pod once per family: the
     * count is the larger family's). A ready condition left unset means ready, as the EndpointSlice API specifies.
     * Terminating endpoints are not ready and do not count: a load balancer should stop sending new connections
     * to this node.
     */
    public static int readyOn(String nodeName, List<SliceView> slices) {
        Map<AddressFamily, Set<InetAddress>> seen = new EnumMap<>(AddressFamily.class);
        for (SliceView slice : slices) {
            if (slice.family() == null) {
                continue;
            }
            for (SliceView.Endpoint e : slice.endpoints()) {
                if (e.ready() && nodeName.equals(e.nodeName()) && !e.addresses().isEmpty()) {
                    seen.computeIfAbsent(slice.family(), f -> new HashSet<>()).add(e.addresses().get(0));
                }
            }
        }
        int most = 0;
        for (Set<InetAddress> s : seen.values()) {
            most = Math.max(most, s.size());
        }
        return most;
    }
}
