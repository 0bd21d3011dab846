package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubedsr.proxy.CrudApiServer;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;

/**
 * The start's wait for what the informers listed: done only once the handler's notifications of every listed object
 * have reached the model, which never takes the store's stubs.
 */
class ListedKeysTest {
    private final KubernetesMockServer server = CrudApiServer.start();
    private final KubernetesClient client;
    /** The handler's notifications, held back until the test hands them to the model: they lag behind the list. */
    private final List<Service> lagging = new ArrayList<>();
    private SharedIndexInformer<Service> informer;

    ListedKeysTest() {
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

    private synchronized void notified(Service s) {
        lagging.add(s);
    }

    private synchronized List<Service> takeNotifications() {
        List<Service> taken = new ArrayList<>(lagging);
        lagging.clear();
        return taken;
    }

    @Test
    void waitsForTheNotificationsOfWhatWasListedAndTheModelGetsTheObjectsNotTheStubs() throws Exception {
        Service web = client.resource(TestObjects.service("web", "10.96.0.10", 80, null)).create();
        Service db = client.resource(TestObjects.service("db", "10.96.0.11", 5432, null)).create();
        informer = client.services().inAnyNamespace().runnableInformer(0).itemStore(InformerItemStore.services())
                .removeNamespaceIndex();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service obj) {
                notified(obj);
            }

            @Override
            public void onUpdate(Service oldObj, Service newObj) {
                notified(newObj);
            }

            @Override
            public void onDelete(Service obj, boolean deletedFinalStateUnknown) {
            }
        });
        informer.start().toCompletableFuture().get(20, TimeUnit.SECONDS);
        ClusterModel model = new ClusterModel();
        ListedKeys listed = new ListedKeys("Services", informer.getStore().listKeys(), model::hasService,
                k -> informer.getStore().getByKey(k) != null);
        assertThat(informer.getStore().getByKey("default/web").getSpec()).as("the store holds a stub").isNull();

        assertThat(listed.arrived()).as("nothing has reached the model").isFalse();
        assertThat(listed).hasToString("2 Services");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Set<ServiceRef> handed = new HashSet<>();
        while (handed.size() < 2 && System.nanoTime() < deadline) {
            for (Service s : takeNotifications()) {
                handed.add(model.putService(s));
                if (handed.size() == 1) {
                    assertThat(listed.arrived()).as("one of two listed has arrived").isFalse();
                    assertThat(listed).hasToString("1 Services");
                }
            }
            Thread.sleep(10);
        }
        assertThat(listed.arrived()).isTrue();
        assertThat(model.service(new ServiceRef("default", "web"))).hasValue(ServiceView.of(web));
        assertThat(model.service(new ServiceRef("default", "db"))).hasValue(ServiceView.of(db));
        assertThat(model.service(new ServiceRef("default", "web")).orElseThrow().clusterIp()).isEqualTo("10.96.0.10");
    }

    @Test
    void aKeyArrivesInAnyVersionOrOnceTheStoreNoLongerHoldsIt() {
        Set<String> model = new HashSet<>();
        Set<String> store = new HashSet<>(Set.of("default/web", "default/db", "default/gone"));
        ListedKeys listed = new ListedKeys("Services", List.copyOf(store), model::contains, store::contains);
        store.add("default/new"); // created after the list: not awaited
        assertThat(listed.arrived()).isFalse();
        store.remove("default/gone"); // deleted since: its delete follows its add, nothing to wait for
        model.add("default/web"); // any version of it
        assertThat(listed.arrived()).isFalse();
        assertThat(listed).hasToString("1 Services");
        model.add("default/db");
        assertThat(listed.arrived()).as("the key created after the list keeps nothing waiting").isTrue();
    }
}
