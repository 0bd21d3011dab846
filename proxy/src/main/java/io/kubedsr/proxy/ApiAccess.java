package io.kubedsr.proxy;

import java.util.List;
import java.util.Set;

/**
 * The Kubernetes API calls the agent makes, as RBAC permissions. {@code deploy/rbac.yaml}'s ClusterRole grants
 * exactly these, no more (DeployManifestsTest checks it): when the agent starts calling something new, add
 * it here and to the ClusterRole in the same change. Not needed, so not granted: Pods (DSR finds pods' network
 * namespaces by scanning the node), Event patches (the recorder creates a new Event and never updates a count),
 * getting a Node by name (this node comes with the Nodes informer's list).
 */
public final class ApiAccess {
    private ApiAccess() {
    }

    /** One RBAC rule: verbs on a resource of an API group ({@code ""} is the core group). */
    public record Permission(String apiGroup, String resource, Set<String> verbs) {
        public Permission {
            verbs = Set.copyOf(verbs);
        }
    }

    /** Services in every namespace: the Services informer lists, then watches (Agent.start). */
    public static final Permission SERVICES = new Permission("", "services", Set.of("list", "watch"));

    /** EndpointSlices (discovery.k8s.io/v1) in every namespace: the EndpointSlices informer (Agent.start). */
    public static final Permission ENDPOINT_SLICES = new Permission("discovery.k8s.io", "endpointslices",
            Set.of("list", "watch"));

    /**
     * Every Node: the Nodes informer lists, then watches (Agent.start). This node's addresses serve NodePorts; every
     * node's are the overlay's peers and DSR's hostNetwork check.
     */
    public static final Permission NODES = new Permission("", "nodes", Set.of("list", "watch"));

    /** Core v1 Warning Events on Services that have a problem (EventRecorder.record): created only. */
    public static final Permission EVENTS = new Permission("", "events", Set.of("create"));

    /** Every permission the agent needs, one per API group and resource. */
    public static final List<Permission> REQUIRED = List.of(SERVICES, ENDPOINT_SLICES, NODES, EVENTS);
}
