package io.kubedsr.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubedsr.proxy.watch.InformerItemStore;

/**
 * Every Kubernetes API call the agent makes, and the only code that makes them: the agent's wiring (Agent,
 * EventRecorder), {@code kube-dsr status} and {@code kube-dsr warm-up} call the methods below, each of which is one
 * {@link Call}. {@link #required()} turns the calls into RBAC rules, and {@code deploy/rbac.yaml}'s ClusterRole must
 * grant exactly those (DeployManifestsTest); the e2e test ApiAccessRequestsTest checks that each method sends only
 * the requests its Call declares. So a new call is a new method here, a new Call, and a new rule in the ClusterRole,
 * in one change. Not needed, so not granted: Pods (DSR finds pods' network namespaces by scanning the node), Event
 * patches (the recorder creates a new Event and never updates a count), getting a Node by name (this node comes
 * with the Nodes informer's list).
 */
public final class ApiAccess {
    /** One RBAC rule: verbs on a resource of an API group ({@code ""} is the core group). */
    public record Permission(String apiGroup, String resource, Set<String> verbs) {
        public Permission {
            verbs = Set.copyOf(verbs);
        }
    }

    /** The calls, each as the API group, resource and verbs of the requests it sends. */
    public enum Call {
        /** The Services informer, every namespace: lists, then watches. */
        SERVICES_INFORMER("", "services", "list", "watch"),
        /** {@code kube-dsr status}: every Service once, to name the virtual servers. */
        SERVICES_LIST("", "services", "list"),
        /** The EndpointSlices (discovery.k8s.io/v1) informer, every namespace. */
        ENDPOINT_SLICES_INFORMER("discovery.k8s.io", "endpointslices", "list", "watch"),
        /**
         * The Nodes informer: this node's addresses serve NodePorts; every node's are the overlay's peers and DSR's
         * hostNetwork check.
         */
        NODES_INFORMER("", "nodes", "list", "watch"),
        /** A Warning Event on a Service with a problem; created only, never updated. */
        EVENT_CREATE("", "events", "create");

        private final String apiGroup;
        private final String resource;
        private final Set<String> verbs;

        Call(String apiGroup, String resource, String... verbs) {
            this.apiGroup = apiGroup;
            this.resource = resource;
            this.verbs = Set.of(verbs);
        }

        public Permission permission() {
            return new Permission(apiGroup, resource, verbs);
        }
    }

    /** The RBAC rules the calls need: one per API group and resource, with the verbs of all its calls. */
    public static List<Permission> required() {
        Map<List<String>, Set<String>> verbs = new LinkedHashMap<>();
        for (Call c : Call.values()) {
            verbs.computeIfAbsent(List.of(c.apiGroup, c.resource), k -> new TreeSet<>()).addAll(c.verbs);
        }
        List<Permission> out = new ArrayList<>();
        verbs.forEach((k, v) -> out.add(new Permission(k.get(0), k.get(1), v)));
        return out;
    }

    private final KubernetesClient client;

    public ApiAccess(KubernetesClient client) {
        this.client = client;
    }

    /**
     * {@link Call#SERVICES_INFORMER}. Its store keeps keys and resource versions only ({@link InformerItemStore}):
     * ClusterModel keeps what the planner reads.
     */
    public SharedIndexInformer<Service> servicesInformer() {
        return client.services().inAnyNamespace().runnableInformer(0).itemStore(InformerItemStore.services())
                .removeNamespaceIndex().exceptionHandler(NoAnswer.informerHandler(NoAnswer.ATTEMPTS));
    }

    /** {@link Call#SERVICES_LIST}. */
    public List<Service> listServices() {
        return client.services().inAnyNamespace().list().getItems();
    }

    /** {@link Call#ENDPOINT_SLICES_INFORMER}, with a store like the Services' one. */
    public SharedIndexInformer<EndpointSlice> endpointSlicesInformer() {
        return client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0)
                .itemStore(InformerItemStore.endpointSlices()).removeNamespaceIndex()
                .exceptionHandler(NoAnswer.informerHandler(NoAnswer.ATTEMPTS));
    }

    /** {@link Call#NODES_INFORMER}. */
    public SharedIndexInformer<Node> nodesInformer() {
        return client.nodes().runnableInformer(0).exceptionHandler(NoAnswer.informerHandler(NoAnswer.ATTEMPTS));
    }

    /** {@link Call#EVENT_CREATE}, in the Event's namespace. */
    public void createEvent(Event event) {
        client.v1().events().inNamespace(event.getMetadata().getNamespace()).resource(event).create();
    }
}
