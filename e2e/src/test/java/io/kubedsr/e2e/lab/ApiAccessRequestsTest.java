package io.kubedsr.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kubedsr.e2e.cluster.DaemonSetManifest;
import io.kubedsr.proxy.ApiAccess;
import io.kubedsr.proxy.ApiAccess.Call;

/**
 * Each method of the agent's {@link ApiAccess} sends exactly the requests its {@link Call} declares (the verbs the
 * ClusterRole must grant, DeployManifestsTest), as the service account of deploy/rbac.yaml against the
 * RBAC-enforcing stand-in: none is refused, and none has a verb its Call does not name.
 */
class ApiAccessRequestsTest {
    private static final String TOKEN = "sa-token";
    private RbacDispatcher rbac;
    private MockApi api;
    private KubernetesClient asAgent;
    private ApiAccess access;

    @BeforeEach
    void setUp() throws Exception {
        String user = DaemonSetManifest.read("kube-dsr-proxy.yaml").serviceAccountUser();
        rbac = new RbacDispatcher(new RbacPolicy(Map.of(TOKEN, user), MockApi.ADMIN_TOKEN,
                List.of(DaemonSetManifest.clusterRole()), List.of(DaemonSetManifest.clusterRoleBinding())));
        api = MockApi.startWithRbac(rbac, InetAddress.getLoopbackAddress());
        api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().build()).create();
        asAgent = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(api.url()).withOauthToken(TOKEN)
                .withNamespace("kube-system").build()).withHttpClientFactory(new Vertx5HttpClientFactory(api.vertx())).build();
        access = new ApiAccess(asAgent);
    }

    @AfterEach
    void tearDown() {
        asAgent.close();
        api.close();
    }

    /** The verbs of the requests {@code call} sent, each as "group/resource verb"; fails on a refusal. */
    private Set<String> requestsOf(Consumer<ApiAccess> call, int expected) throws InterruptedException {
        int from = rbac.decisions().size();
        call.accept(access);
        Await.until("the requests", Duration.ofSeconds(20), Duration.ofMillis(50), () -> rbac.decisions().size() >= from + expected);
        Thread.sleep(300); // anything more it would send
        Set<String> out = new TreeSet<>();
        for (RbacPolicy.Decision d : rbac.decisions().subList(from, rbac.decisions().size())) {
            assertThat(d.allowed()).as("refused: %s", d.request().describe()).isTrue();
            out.add(d.request().apiGroup() + "/" + d.request().resource() + " " + d.request().verb());
        }
        return out;
    }

    private static Set<String> declared(Call c) {
        Set<String> out = new TreeSet<>();
        c.permission().verbs().forEach(v -> out.add(c.permission().apiGroup() + "/" + c.permission().resource() + " " + v));
        return out;
    }

    private Set<String> informerRequests(java.util.function.Function<ApiAccess, SharedIndexInformer<?>> make) throws Exception {
        SharedIndexInformer<?>[] started = new SharedIndexInformer<?>[1];
        Set<String> seen = requestsOf(a -> {
            started[0] = make.apply(a);
            started[0].start().toCompletableFuture().join();
        }, 2);
        started[0].stop();
        return seen;
    }

    @Test
    void eachInformerListsAndWatchesOnly() throws Exception {
        assertThat(informerRequests(ApiAccess::servicesInformer)).isEqualTo(declared(Call.SERVICES_INFORMER));
        assertThat(informerRequests(ApiAccess::endpointSlicesInformer)).isEqualTo(declared(Call.ENDPOINT_SLICES_INFORMER));
        assertThat(informerRequests(ApiAccess::nodesInformer)).isEqualTo(declared(Call.NODES_INFORMER));
    }

    @Test
    void theOtherCallsSendTheirOneRequest() throws Exception {
        assertThat(requestsOf(ApiAccess::listServices, 1)).isEqualTo(declared(Call.SERVICES_LIST));
        assertThat(requestsOf(a -> a.createEvent(new EventBuilder().withNewMetadata().withName("e").withNamespace("default")
                .endMetadata().withReason("Test").build()), 1)).isEqualTo(declared(Call.EVENT_CREATE));
    }

    /**
     * A ClusterRole without list on nodes (deploy/rbac.yaml before) refuses the Nodes informer's list, and the
     * informer gives up: its start fails with the API server's words, once (fabric8 does not retry a first list).
     * The agent's start fails with it, and the agent exits (DeployedAgentTest).
     */
    @Test
    void aListTheRoleRefusesFailsTheInformersStart() throws Exception {
        String user = DaemonSetManifest.read("kube-dsr-proxy.yaml").serviceAccountUser();
        rbac.replacePolicy(new RbacPolicy(Map.of(TOKEN, user), MockApi.ADMIN_TOKEN,
                List.of(DaemonSetManifest.clusterRoleWithout("nodes", "list")), List.of(DaemonSetManifest.clusterRoleBinding())));
        SharedIndexInformer<Node> nodes = access.nodesInformer();
        try {
            assertThatThrownBy(() -> nodes.start().toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(KubernetesClientException.class)
                    .rootCause().hasMessageContaining("nodes is forbidden: User \"" + user + "\" cannot list resource \"nodes\"");
            Thread.sleep(2000); // a retry, if there were one
            assertThat(rbac.decisions()).filteredOn(d -> d.user().equals(user)).singleElement().satisfies(d -> {
                assertThat(d.allowed()).isFalse();
                assertThat(d.request().describe()).isEqualTo("list resource \"nodes\" in API group \"\" at the cluster scope");
            });
        } finally {
            nodes.stop();
        }
    }

    @Test
    void everyCallIsCoveredHere() {
        assertThat(Call.values()).containsExactlyInAnyOrder(Call.SERVICES_INFORMER, Call.ENDPOINT_SLICES_INFORMER,
                Call.NODES_INFORMER, Call.SERVICES_LIST, Call.EVENT_CREATE);
    }
}
