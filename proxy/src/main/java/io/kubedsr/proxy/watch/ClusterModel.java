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
import io.fabric8.kubernetes.client.informers.cache.Cache;
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
    /**
     * The version of every Service and EndpointSlice recorded (a slice naming no Service too), by informer key
     * ({@code namespace/name}); the views keep none. Not copied into a subset: syncs read the views only.
     */
    private final Map<String, Version> serviceVersions = new HashMap<>();
    private final Map<String, RecordedSlice> recordedSlices = new HashMap<>();

    public static ServiceRef refOf(Service s) {
        return new ServiceRef(s.getMetadata().getNamespace(), s.getMetadata().getName());
    }

    /** The Service an EndpointSlice belongs to (its kubernetes.io/service-name label), if any. */
    public static Optional<ServiceRef> ownerOf(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String name = labels == null ? null : labels.get(Annotations.LABEL_SERVICE_NAME);
        return name == null ? Optional.empty() : Optional.of(new ServiceRef(slice.getMetadata().getNamespace(), name));
    }

    /** What tells one version of an object from another: its uid and resourceVersion (either may be null). */
    private record Version(String uid, String resourceVersion) {
        static Version of(HasMetadata o) {
            return new Version(o.getMetadata().getUid(), o.getMetadata().getResourceVersion());
        }
    }

    /**
     * Whether the model holds this very version of the Service (same uid and resourceVersion): a notification
     * repeated, which changes nothing.
     */
    public boolean holds(Service s) {
        return sameVersion(serviceVersions.get(Cache.metaNamespaceKeyFunc(s)), Version.of(s));
    }

    /** Whether the model holds this very version of the EndpointSlice. */
    public boolean holds(EndpointSlice slice) {
        RecordedSlice held = recordedSlices.get(Cache.metaNamespaceKeyFunc(slice));
        return held != null && sameVersion(held.version(), Version.of(slice));
    }

    /**
     * Whether the model has been told of the Service with this informer key ({@code namespace/name}), in any version:
     * what an informer listed has reached the model once it is ({@link ListedKeys}).
     */
    public boolean hasService(String key) {
        return serviceVersions.containsKey(key);
    }

    /** Whether the model has been told of the EndpointSlice with this key, in any version (one naming no Service too). */
    public boolean hasSlice(String key) {
        return recordedSlices.containsKey(key);
    }

    /**
     * A slice as recorded: its version, and the Service its views were filed under when it was put (null: none). A
     * slice's kubernetes.io/service-name label may change; its views then move, and both Services change.
     */
    private record RecordedSlice(Version version, ServiceRef owner) {
    }

    /** Same object (uid), same version (resourceVersion); an object without a version is never the same. */
    static boolean sameVersion(HasMetadata a, HasMetadata b) {
        return sameVersion(Version.of(a), Version.of(b));
    }

    private static boolean sameVersion(Version held, Version v) {
        return held != null && held.resourceVersion() != null && held.resourceVersion().equals(v.resourceVersion())
                && Objects.equals(held.uid(), v.uid());
    }

    public ServiceRef putService(Service s) {
        ServiceView view = ServiceView.of(s);
        services.put(view.ref(), view);
        serviceVersions.put(Cache.metaNamespaceKeyFunc(s), Version.of(s));
        return view.ref();
    }

    public ServiceRef removeService(Service s) {
        ServiceRef ref = refOf(s);
        services.remove(ref);
        serviceVersions.remove(Cache.metaNamespaceKeyFunc(s));
        return ref;
    }

    /**
     * Files the slice's view under its Service. Returns the Services whose slices changed: its Service, and the one
     * it was filed under before when its service-name label changed (none for a slice naming no Service).
     */
    public Set<ServiceRef> putSlice(EndpointSlice slice) {
        String key = Cache.metaNamespaceKeyFunc(slice);
        ServiceRef owner = ownerOf(slice).orElse(null);
        RecordedSlice before = recordedSlices.put(key, new RecordedSlice(Version.of(slice), owner));
        Set<ServiceRef> changed = new HashSet<>(2);
        if (before != null && before.owner() != null && !before.owner().equals(owner)) {
            unfile(before.owner(), slice.getMetadata().getName());
            changed.add(before.owner());
        }
        if (owner != null) {
            SliceView view = SliceView.of(slice);
            List<SliceView> next = new ArrayList<>(slices.getOrDefault(owner, List.of()));
            next.removeIf(s -> s.name().equals(view.name()));
            next.add(view);
            slices.put(owner, List.copyOf(next));
            changed.add(owner);
        }
        return changed;
    }

    /** Removes the slice's view from the Service it was filed under; returns that Service (none if it named none). */
    public Set<ServiceRef> removeSlice(EndpointSlice slice) {
        RecordedSlice before = recordedSlices.remove(Cache.metaNamespaceKeyFunc(slice));
        // The Service it was filed under, or, for a slice never recorded, the one its last state names.
        ServiceRef owner = before != null ? before.owner() : ownerOf(slice).orElse(null);
        if (owner == null) {
            return Set.of();
        }
        unfile(owner, slice.getMetadata().getName());
        return Set.of(owner);
    }

    private void unfile(ServiceRef owner, String sliceName) {
        List<SliceView> m = slices.get(owner);
        if (m != null) {
            List<SliceView> next = new ArrayList<>(m);
            next.removeIf(s -> s.name().equals(sliceName));
            if (next.isEmpty()) {
                slices.remove(owner);
            } else {
                slices.put(owner, List.copyOf(next));
            }
        }
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
