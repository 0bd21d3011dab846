package io.kubedsr.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.watch.ClusterModel;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** HealthCheckNodePort servers over real HTTP on localhost, following Services as they change. */
class HealthCheckNodePortsTest {
    private static final String NODE = "node-1";
    private final Vertx vertx = Vertx.vertx();
    private final List<Problem> problems = new ArrayList<>();
    private boolean proxyHealthy = true;
    private final HealthCheckNodePorts hc = new HealthCheckNodePorts(vertx, java.util.List.of("127.0.0.1"), NODE, () -> proxyHealthy, p -> {
        synchronized (problems) {
            problems.add(p);
        }
    });
    private final ClusterModel model = new ClusterModel();

    @AfterEach
    void tearDown() {
        hc.close();
        hc.settled().await();
        vertx.close().await();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Service lb(String name, String policy, Integer hcPort) {
        return new ServiceBuilder().withNewMetadata().withNamespace("shop").withName(name).endMetadata().withNewSpec()
                .withType("LoadBalancer").withClusterIP("10.96.0.20").withExternalTrafficPolicy(policy)
                .withHealthCheckNodePort(hcPort).addNewPort().withPort(80).withProtocol("TCP").endPort().endSpec().build();
    }

    private static EndpointSlice slice(String service, String sliceName, Object... nodeAndReady) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("shop").withName(sliceName)
                .withLabels(Map.of(Annotations.LABEL_SERVICE_NAME, service)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("").withPort(8080).withProtocol("TCP").endPort();
        for (int i = 0; i < nodeAndReady.length; i += 2) {
            b.addToEndpoints(new EndpointBuilder().withAddresses("10.244.0." + (i + 10)).withNodeName((String) nodeAndReady[i])
                    .withNewConditions().withReady((Boolean) nodeAndReady[i + 1]).endConditions().build());
        }
        return b.build();
    }

    private HttpResponse<String> get(int port) throws Exception {
        return get("127.0.0.1", port);
    }

    private HttpResponse<String> get(String host, int port) throws Exception {
        // a fresh HTTP/1.1 client each time: a pooled connection to a closed server would answer GOAWAY, not refuse
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void listensOnlyOnTheAddressesGivenAndMovesWithThem() throws Exception {
        // 127.0.0.2 is as local as 127.0.0.1 (all of 127/8 is on lo): only an explicit bind keeps it out.
        int port = freePort();
        put(lb("web", "Local", port));
        assertThat(get("127.0.0.1", port).statusCode()).isEqualTo(503);
        assertThatThrownBy(() -> get("127.0.0.2", port)).isInstanceOf(ConnectException.class);

        hc.listenOn(List.of("127.0.0.2", "127.0.0.3"));
        hc.settled().await();
        assertThat(get("127.0.0.2", port).statusCode()).isEqualTo(503);
        assertThat(get("127.0.0.3", port).statusCode()).isEqualTo(503);
        assertThatThrownBy(() -> get("127.0.0.1", port)).isInstanceOf(ConnectException.class);
    }

    private ServiceRef put(Service s) {
        ServiceRef ref = model.putService(s);
        hc.sync(Set.of(ref), model);
        hc.settled().await();
        return ref;
    }

    @Test
    void answers200WithTheLocalEndpointCountAnd503WithoutOne() throws Exception {
        int port = freePort();
        ServiceRef ref = put(lb("web", "Local", port));

        HttpResponse<String> none = get(port);
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(none.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(new JsonObject(none.body())).isEqualTo(new JsonObject(
                "{\"service\":{\"namespace\":\"shop\",\"name\":\"web\"},\"localEndpoints\":0,\"serviceProxyHealthy\":true}"));

        // two ready endpoints here, one not ready here, one ready elsewhere: 2
        model.putSlice(slice("web", "web-a", NODE, true, NODE, true, NODE, false, "node-2", true));
        hc.sync(Set.of(ref), model);
        HttpResponse<String> two = get(port);
        assertThat(two.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(two.body()).getInteger("localEndpoints")).isEqualTo(2);

        proxyHealthy = false; // kube-proxy: a node whose proxy is unhealthy takes no new traffic
        assertThat(get(port).statusCode()).isEqualTo(503);
    }

    @Test
    void serversOpenAndCloseAsServicesComeChangeAndGo() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        ServiceRef ref = put(lb("web", "Local", p1));
        assertThat(hc.ports()).isEqualTo(Map.of(ref, p1));
        assertThat(get(p1).statusCode()).isEqualTo(503);

        put(lb("web", "Local", p2)); // the port moved
        assertThat(hc.ports()).isEqualTo(Map.of(ref, p2));
        assertThat(get(p2).statusCode()).isEqualTo(503);
        assertThatThrownBy(() -> get(p1)).isInstanceOf(ConnectException.class);

        put(lb("web", "Cluster", null)); // policy Cluster: no health check port
        assertThat(hc.ports()).isEmpty();
        assertThatThrownBy(() -> get(p2)).isInstanceOf(ConnectException.class);

        put(lb("web", "Local", p1));
        model.removeService(lb("web", "Local", p1));
        hc.syncAll(model); // a full resync closes the servers of Services that are gone
        hc.settled().await();
        assertThat(hc.ports()).isEmpty();
        assertThatThrownBy(() -> get(p1)).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortInUseIsAProblemNotACrashAndIsRetriedLater() throws Exception {
        ServerSocket taken = new ServerSocket();
        taken.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
        int port = taken.getLocalPort();
        ServiceRef ref = put(lb("web", "Local", port));
        assertThat(hc.ports()).isEmpty();
        synchronized (problems) {
            assertThat(problems).extracting(Problem::service, Problem::reason)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(ref, "HealthCheckNodePortUnavailable"));
        }
        taken.close();
        hc.sync(Set.of(ref), model);
        hc.settled().await();
        assertThat(hc.ports()).isEqualTo(Map.of(ref, port));
        assertThat(get(port).statusCode()).isEqualTo(503);
    }
}
