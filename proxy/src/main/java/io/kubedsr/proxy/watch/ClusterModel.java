package io.kubedsr.proxy.watch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;

/**
 * The Services and EndpointSlices the agent has seen, indexed by Service, as {@link ServiceView}s and
 * {@link SliceView}s: what the planner reads of them, not the API objects (those are dropped once read; the
 * informers keep only keys and resource versions, {@link InformerItemStore}). Every update returns the Service
 * it concerns so the caller can mark it changed. Confined to the agent's event loop; the views are immutable, so
 * a snapshot shares them.
 */
public final class ClusterModel {
    private final Map<ServiceRef, ServiceView> services = new HashMap<>();
    /** Per Service its slices, in no particular order; a Service has one or two (one per family) in most clusters. */
    private final Map<ServiceRef, List<SliceView>> slices = new HashMap<>();

    public static ServiceRef refOf(Service s) {
        return new ServiceRef(s.getMetadata().getNamespace(), s.getMetadata().getName());
    }

    /** The Service an EndpointSlice belongs to (its kubernetes.io/service-name label), if any. */
    public static Optional<ServiceRef> ownerOf(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String name = labels == null ? null : labels.get(Annotations.LABEL_SERVICE_NAME);
        return name == null ? Optional.empty() : Optional.of(new ServiceRef(slice.getMetadata().getNamespace(), name));
    }

    public ServiceRef putService(Service s) {
        ServiceView view = ServiceView.of(s);
        services.put(view.ref(), view);
        return view.ref();
    }

    public ServiceRef removeService(Service s) {
        ServiceRef ref = refOf(s);
        services.remove(ref);
        return ref;
    }

    public Optional<ServiceRef> putSlice(EndpointSlice slice) {
        Optional<ServiceRef> owner = ownerOf(slice);
        owner.ifPresent(ref -> {
            SliceView view = SliceView.of(slice);
            List<SliceView> next = new ArrayList<>(slices.getOrDefault(ref, List.of()));
            next.removeIf(s -> s.name().equals(view.name()));
            next.add(view);
            slices.put(ref, List.copyOf(next));
        });
        return owner;
    }

    public Optional<ServiceRef> removeSlice(EndpointSlice slice) {
        Optional<ServiceRef> owner = ownerOf(slice);
        owner.ifPresent(ref -> {
            List<SliceView> m = slices.get(ref);
            if (m != null) {
                List<SliceView> next = new ArrayList<>(m);
                next.removeIf(s -> s.name().equals(slice.getMetadata().getName()));
                if (next.isEmpty()) {
                    slices.remove(ref);
                } else {
                    slices.put(ref, List.copyOf(next));
                }
            }
        });
        return owner;
    }

    public Optional<ServiceView> service(ServiceRef ref) {
        return Optional.ofNullable(services.get(ref));
    }

    public List<SliceView> slices(ServiceRef ref) {
        return slices.getOrDefault(ref, List.of());
    }

    /** A copy holding only the given Services and their slices: what a sync on another thread may read. */
    public ClusterModel subset(Collection<ServiceRef> refs) {
        ClusterModel copy = new ClusterModel();
        for (ServiceRef ref : refs) {
            ServiceView s = services.get(ref);
            if (s != null) {
                copy.services.put(ref, s);
            }
            List<SliceView> m = slices.get(ref);
            if (m != null) {
                copy.slices.put(ref, m);
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
