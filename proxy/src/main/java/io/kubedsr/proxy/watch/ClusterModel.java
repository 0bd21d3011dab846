package io.kubedsr.proxy.watch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * The Services and EndpointSlices the agent has seen, indexed by Service. Every update returns the Service
 * it concerns so the caller can mark it changed. Confined to the agent's event loop.
 */
public final class ClusterModel {
    private final Map<ServiceRef, Service> services = new HashMap<>();
    private final Map<ServiceRef, Map<String, EndpointSlice>> slices = new HashMap<>();

    public static ServiceRef refOf(Service s) {
        return new ServiceRef(s.getMetadata().getNamespace(), s.getMetadata().getName());
    }

    /** The Service an EndpointSlice belongs to (its kubernetes.io/service-name label), if any. */
    public static Optional<ServiceRef> ownerOf(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String name = labels == null ? null : labels.get(Annotations.LABEL_SERVICE_NAME);
        return name == null ? Optional.empty() : Optional.of(new ServiceRef(slice.getMetadata().getNamespace(), name));
    }

    /**
     * Whether the model holds this very version of the Service (same uid and resourceVersion): a notification
     * repeated, which changes nothing.
     */
    public boolean holds(Service s) {
        Service held = services.get(refOf(s));
        return held != null && sameVersion(held, s);
    }

    /** Whether the model holds this very version of the EndpointSlice. */
    public boolean holds(EndpointSlice slice) {
        Map<String, EndpointSlice> m = ownerOf(slice).map(slices::get).orElse(null);
        EndpointSlice held = m == null ? null : m.get(slice.getMetadata().getName());
        return held != null && sameVersion(held, slice);
    }

    /** Same object (uid), same version (resourceVersion); an object without a version is never the same. */
    static boolean sameVersion(HasMetadata a, HasMetadata b) {
        String version = a.getMetadata().getResourceVersion();
        return version != null && version.equals(b.getMetadata().getResourceVersion())
                && Objects.equals(a.getMetadata().getUid(), b.getMetadata().getUid());
    }

    public ServiceRef putService(Service s) {
        ServiceRef ref = refOf(s);
        services.put(ref, s);
        return ref;
    }

    public ServiceRef removeService(Service s) {
        ServiceRef ref = refOf(s);
        services.remove(ref);
        return ref;
    }

    public Optional<ServiceRef> putSlice(EndpointSlice slice) {
        Optional<ServiceRef> owner = ownerOf(slice);
        owner.ifPresent(ref -> slices.computeIfAbsent(ref, k -> new HashMap<>()).put(slice.getMetadata().getName(), slice));
        return owner;
    }

    public Optional<ServiceRef> removeSlice(EndpointSlice slice) {
        Optional<ServiceRef> owner = ownerOf(slice);
        owner.ifPresent(ref -> {
            Map<String, EndpointSlice> m = slices.get(ref);
            if (m != null) {
                m.remove(slice.getMetadata().getName());
                if (m.isEmpty()) {
                    slices.remove(ref);
                }
            }
        });
        return owner;
    }

    public Optional<Service> service(ServiceRef ref) {
        return Optional.ofNullable(services.get(ref));
    }

    public List<EndpointSlice> slices(ServiceRef ref) {
        Map<String, EndpointSlice> m = slices.get(ref);
        return m == null ? List.of() : new ArrayList<>(m.values());
    }

    /** A copy holding only the given Services and their slices: what a sync on another thread may read. */
    public ClusterModel subset(Collection<ServiceRef> refs) {
        ClusterModel copy = new ClusterModel();
        for (ServiceRef ref : refs) {
            Service s = services.get(ref);
            if (s != null) {
                copy.services.put(ref, s);
            }
            Map<String, EndpointSlice> m = slices.get(ref);
            if (m != null) {
                copy.slices.put(ref, new HashMap<>(m));
            }
        }
        return copy;
    }

    /** A copy of everything (for a full resync on another thread). */
    public ClusterModel copy() {
        Set<ServiceRef> all = new HashSet<>(services.keySet());
        all.addAll(slices.keySet());
        return subset(all);
    }

    public Collection<ServiceRef> services() {
        return List.copyOf(services.keySet());
    }
}
