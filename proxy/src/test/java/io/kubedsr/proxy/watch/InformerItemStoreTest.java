package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubedsr.proxy.CrudApiServer;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.model.Annotations;

/**
 * A fabric8 informer with the slim item store, against fabric8's mock API server (CRUD mode): the handler gets
 * every object whole (the initial list's too), while the store keeps only keys, resource versions and the
 * Service label.
 */
class InformerItemStoreTest {
    private final KubernetesMockServer server = CrudApiServer.start();
    private final KubernetesClient client;
    private final List<String> events = new ArrayList<>();
    private SharedIndexInformer<EndpointSlice> informer;

    InformerItemStoreTest() {
        client = server.createClient();
    }

    @AfterEach
    void tearDown() {
        if (informer != null) {
            informer.stop();
        }
        client.close();
        server.destroy();
    }

    private static EndpointSlice slice(String... addresses) {
        return TestObjects.slice("web", 8080, "node1", addresses);
    }

    /** Records each event as "kind endpoints(old) endpoints(new)": how many endpoints each object handed over has. */
    private ResourceEventHandler<EndpointSlice> recorder() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(EndpointSlice obj) {
                record("add " + obj.getEndpoints().size());
            }

            @Override
            public void onUpdate(EndpointSlice oldObj, EndpointSlice newObj) {
                record("update " + oldObj.getEndpoints().size() + " " + newObj.getEndpoints().size());
            }

            @Override
            public void onDelete(EndpointSlice obj, boolean deletedFinalStateUnknown) {
                record("delete " + obj.getEndpoints().size() + " " + ClusterModel.ownerOf(obj).orElseThrow().name());
            }
        };
    }

    private synchronized void record(String event) {
        events.add(event);
    }

    private void awaitEvents(Predicate<List<String>> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (done.test(events)) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        synchronized (this) {
            throw new AssertionError("events so far: " + events);
        }
    }

    @Test
    void theHandlerGetsWholeObjectsWhileTheStoreKeepsKeysVersionsAndTheServiceLabel() throws Exception {
        client.resource(slice("10.244.1.2", "10.244.1.3")).create();
        InformerItemStore<EndpointSlice> store = InformerItemStore.endpointSlices();
        informer = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0).itemStore(store)
                .removeNamespaceIndex();
        informer.addEventHandler(recorder());
        informer.start().toCompletableFuture().get(20, TimeUnit.SECONDS);
        awaitEvents(e -> e.contains("add 2"));

        EndpointSlice kept = store.get("default/web-1");
        assertThat(kept.getMetadata().getName()).isEqualTo("web-1");
        assertThat(kept.getMetadata().getResourceVersion()).isNotEmpty();
        assertThat(kept.getMetadata().getLabels()).containsExactly(Map.entry(Annotations.LABEL_SERVICE_NAME, "web"));
        assertThat(kept.getEndpoints()).as("the store keeps no endpoints").isEmpty();
        assertThat(store.keySet()).containsExactly("default/web-1");

        client.resource(new EndpointSliceBuilder(slice("10.244.1.2", "10.244.1.3", "10.244.1.4")).editMetadata()
                .withResourceVersion(null).endMetadata().build()).update();
        awaitEvents(e -> e.contains("update 0 3"));

        client.resource(slice()).delete();
        awaitEvents(e -> e.stream().anyMatch(x -> x.startsWith("delete ")));
        assertThat(events).last().isEqualTo("delete 3 web");
        assertThat(store.size()).isZero();
    }

    /** On a relist that finds an object gone, fabric8 hands the handler the stub: it must name the slice and its Service. */
    @Test
    void aStubCarriesWhatTheDeleteHandlerReads() {
        InformerItemStore<EndpointSlice> store = InformerItemStore.endpointSlices();
        EndpointSlice listed = new EndpointSliceBuilder(slice("10.244.1.2")).editMetadata().withResourceVersion("7").endMetadata()
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.1.9").build()).build();
        assertThat(store.put(store.getKey(listed), listed)).isNull();
        EndpointSlice stub = store.values().findFirst().orElseThrow();
        assertThat(ClusterModel.ownerOf(stub)).hasValueSatisfying(r -> assertThat(r.name()).isEqualTo("web"));
        assertThat(stub.getMetadata().getNamespace()).isEqualTo("default");
        assertThat(stub.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(store.remove("default/web-1").getMetadata().getName()).isEqualTo("web-1");
        assertThat(store.get("default/web-1")).isNull();
    }
}
