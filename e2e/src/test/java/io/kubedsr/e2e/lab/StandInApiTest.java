package io.kubedsr.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;

/**
 * The outage lab on the host, with fabric8's informer as the agent uses it: through an {@link ApiProxy} that is cut
 * and restored, an informer follows a server that came back with a new history ({@link StandInApi}) by listing again,
 * and sees what changed while it was away; a server whose versions it cannot tell from its own history (fabric8's
 * plain mock, which ignores a watch's version) has the informer resume its watch and silently miss a deletion.
 */
class StandInApiTest {
    private final Vertx vertx = Vertx.vertx();
    private StandInApi before;
    private StandInApi after;
    private ApiProxy proxy;
    private KubernetesClient agentClient;
    private SharedIndexInformer<Service> informer;
    private final List<String> deleted = new CopyOnWriteArrayList<>();

    private static Service service(String name) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata().withNewSpec()
                .withType("ClusterIP").addNewPort().withPort(80).endPort().endSpec().build();
    }

    private void watchThroughTheProxy() throws Exception {
        before = StandInApi.withHistoryFrom(0);
        before.client().services().inNamespace("default").resource(service("unchanged")).create();
        before.client().services().inNamespace("default").resource(service("deleted-while-away")).create();
        proxy = ApiProxy.open(null, before.address());
        agentClient = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(MockApi.kubeconfig(proxy.url())))
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
        informer = agentClient.services().inAnyNamespace().runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Service obj) {
            }

            @Override
            public void onUpdate(Service oldObj, Service newObj) {
            }

            @Override
            public void onDelete(Service obj, boolean deletedFinalStateUnknown) {
                deleted.add(obj.getMetadata().getName());
            }
        });
        informer.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(names()).containsExactly("deleted-while-away", "unchanged");
    }


    private Set<String> names() {
        Set<String> out = new TreeSet<>();
        informer.getStore().list().forEach(s -> out.add(s.getMetadata().getName()));
        return out;
    }

    /** The API server goes away; a new one, holding the old state under versions from {@code firstVersion}, changes it. */
    private void outageAndChangesUnder(long firstVersion) {
        after = StandInApi.withHistoryFrom(firstVersion);
        after.copyFrom(before.client());
        proxy.cut();
        after.client().services().inNamespace("default").withName("deleted-while-away").delete();
        after.client().services().inNamespace("default").resource(service("created-while-away")).create();
        proxy.forwardTo(after.address());
        proxy.restore();
    }

    @Test
    void anInformerListsAgainWhenTheServerComesBackWithANewHistory() throws Exception {
        watchThroughTheProxy();
        outageAndChangesUnder(1_000_000);
        Await.until("the informer's store as the new server has it", Duration.ofSeconds(90), Duration.ofMillis(100),
                () -> names().equals(Set.of("unchanged", "created-while-away")));
        assertThat(deleted).containsExactly("deleted-while-away");
        assertThat(informer.lastSyncResourceVersion()).satisfies(v -> assertThat(Long.parseLong(v)).isGreaterThan(1_000_000));
    }

    @Test
    void aServerWhoseVersionsCannotBeToldApartWouldHaveTheInformerMissTheChanges() throws Exception {
        watchThroughTheProxy();
        outageAndChangesUnder(0); // versions 1, 2, ... again: the informer's last version looks current
        // A Service created now and then until the resumed watch delivers one (one created before the watch is
        // back would be missed as well).
        int[] created = {0};
        Await.until("the resumed watch delivering a new Service", Duration.ofSeconds(90), Duration.ofMillis(500), () -> {
            if (names().stream().anyMatch(n -> n.startsWith("created-after-return"))) {
                return true;
            }
            after.client().services().inNamespace("default").resource(service("created-after-return-" + created[0]++)).create();
            return false;
        });
        // fabric8's mock replays what it holds as ADDED when a watch opens, but a deletion in between is lost.
        assertThat(names()).as("the Service deleted during the outage is never seen to go").contains("deleted-while-away");
        assertThat(deleted).isEmpty();
    }

    @AfterEach
    void tearDown() {
        if (informer != null) {
            informer.stop();
        }
        if (agentClient != null) {
            agentClient.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        for (StandInApi api : new StandInApi[] {before, after}) {
            if (api != null) {
                api.close();
            }
        }
        vertx.close();
    }
}
