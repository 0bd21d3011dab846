package io.kubedsr.proxy.health;

import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;

/** What a HealthCheckNodePort server needs from a Service and its slices. Pure. */
public final class LocalEndpoints {
    private LocalEndpoints() {
    }

    /**
     * The Service's {@code spec.healthCheckNodePort} when it has one and {@code externalTrafficPolicy: Local}
     * (the API server allocates the port only then; a port left behind after a policy change is not served).
     */
    public static OptionalInt healthCheckNodePort(Service svc) {
        if (svc.getSpec() == null || !"Local".equals(svc.getSpec().getExternalTrafficPolicy())) {
            return OptionalInt.empty();
        }
        Integer port = svc.getSpec().getHealthCheckNodePort();
        return port == null || port <= 0 || port > 65535 ? OptionalInt.empty() : OptionalInt.of(port);
    }

    /**
     * The ready endpoints on {@code nodeName}, each counted once however many slices or address families list it
     * (a ready condition left unset means ready, as the EndpointSlice API specifies). Terminating endpoints are not
     * ready and do not count: a load balancer should stop sending new connections to this node.
     */
    public static int readyOn(String nodeName, List<EndpointSlice> slices) {
        Set<String> seen = new HashSet<>();
        for (EndpointSlice slice : slices) {
            if (slice.getEndpoints() == null || "FQDN".equals(slice.getAddressType())) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                EndpointConditions c = e.getConditions();
                boolean ready = c == null || c.getReady() == null || c.getReady();
                if (ready && nodeName.equals(e.getNodeName()) && e.getAddresses() != null && !e.getAddresses().isEmpty()) {
                    String id = e.getTargetRef() != null && e.getTargetRef().getUid() != null ? e.getTargetRef().getUid()
                            : e.getAddresses().get(0);
                    seen.add(id);
                }
            }
        }
        return seen.size();
    }
}
