package io.kubedsr.proxy.watch;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.kubedsr.proxy.model.Annotations;

/**
 * An informer's item store that keeps, per object, only what the informer itself and the agent's delete handler
 * read back: the key (namespace/name), the resourceVersion (the informer compares it to tell an update from a
 * replayed one) and, for an EndpointSlice, the label naming its Service. fabric8's default store keeps every
 * object whole, a second copy of the cluster beside the {@link ClusterModel}, which keeps what the planner reads.
 * <p>
 * What fabric8 (8.0) gets back from it: on an update, the old object as a stub (the agent ignores it); on a
 * relist that finds an object gone, a delete of the stub (the handler reads only the key and the label). It is
 * not a full-state store ({@link #isFullState()} false), so the informer hands every add of the initial list to
 * the handler with the object as listed, instead of replaying it from the store once the list is complete.
 * Thread-safe: the informer calls it from its own threads.
 */
public final class InformerItemStore<T extends HasMetadata> implements ItemStore<T> {
    /** What is kept of one object. */
    private record Kept(String namespace, String name, String resourceVersion, Map<String, String> labels) {
    }

    private final Supplier<T> empty;
    private final List<String> keptLabels;
    private final Map<String, Kept> items = new ConcurrentHashMap<>();

    private InformerItemStore(Supplier<T> empty, List<String> keptLabels) {
        this.empty = empty;
        this.keptLabels = List.copyOf(keptLabels);
    }

    public static InformerItemStore<Service> services() {
        return new InformerItemStore<>(Service::new, List.of());
    }

    public static InformerItemStore<EndpointSlice> endpointSlices() {
        return new InformerItemStore<>(EndpointSlice::new, List.of(Annotations.LABEL_SERVICE_NAME));
    }

    @Override
    public String getKey(T obj) {
        return Cache.metaNamespaceKeyFunc(obj);
    }

    @Override
    public T put(String key, T obj) {
        ObjectMeta meta = obj.getMetadata();
        Map<String, String> labels = Map.of();
        if (meta.getLabels() != null && !keptLabels.isEmpty()) {
            Map<String, String> kept = new HashMap<>();
            for (String l : keptLabels) {
                String v = meta.getLabels().get(l);
                if (v != null) {
                    kept.put(l, v);
                }
            }
            labels = Map.copyOf(kept);
        }
        return stub(items.put(key, new Kept(meta.getNamespace(), meta.getName(), meta.getResourceVersion(), labels)));
    }

    @Override
    public T remove(String key) {
        return stub(items.remove(key));
    }

    @Override
    public Stream<String> keySet() {
        return items.keySet().stream();
    }

    @Override
    public Stream<T> values() {
        return items.values().stream().map(this::stub);
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public T get(String key) {
        return stub(items.get(key));
    }

    /** Not the objects as listed: the informer must hand the initial list's adds over as they come. */
    @Override
    public boolean isFullState() {
        return false;
    }

    private T stub(Kept k) {
        if (k == null) {
            return null;
        }
        T obj = empty.get();
        ObjectMeta meta = new ObjectMeta();
        meta.setNamespace(k.namespace());
        meta.setName(k.name());
        meta.setResourceVersion(k.resourceVersion());
        meta.setLabels(k.labels().isEmpty() ? null : new HashMap<>(k.labels()));
        obj.setMetadata(meta);
        return obj;
    }
}
