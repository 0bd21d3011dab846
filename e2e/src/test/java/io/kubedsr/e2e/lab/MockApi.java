package io.kubedsr.e2e.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * A stand-in API server (not a cluster): fabric8's mock server in CRUD mode, which keeps what it is sent and
 * serves lists and watches of it, on a free loopback port; with the Vert.x instance and the client an Agent is
 * given. Closing stops the client, Vert.x and the server.
 */
public final class MockApi implements AutoCloseable {
    private final KubernetesMockServer server;
    private final Vertx vertx;
    private final KubernetesClient client;
    private boolean serverStopped;

    private MockApi(VertxOptions vertxOptions, KubernetesCrudDispatcher dispatcher, InetAddress address) {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(address, 0);
        vertx = Vertx.vertx(vertxOptions);
        client = server.createClient(new Vertx5HttpClientFactory(vertx));
    }

    /** Starts the server, with a Vert.x of default options. */
    public static MockApi start() {
        return start(new VertxOptions());
    }

    /** Starts the server, with a Vert.x of the given options. */
    public static MockApi start(VertxOptions vertxOptions) {
        return new MockApi(vertxOptions, new KubernetesCrudDispatcher(), InetAddress.getLoopbackAddress());
    }

    /**
     * Starts a server that authenticates and authorizes like an API server ({@link RbacDispatcher}), listening on
     * {@code address} (port chosen by the system). {@link #client()} holds the admin token the policy allows
     * everything ({@link #ADMIN_TOKEN}).
     */
    public static MockApi startWithRbac(RbacDispatcher dispatcher, InetAddress address) {
        return new MockApi(new VertxOptions(), dispatcher, address);
    }

    /** The token of {@link #client()}: fabric8's mock client sends this one. */
    public static final String ADMIN_TOKEN = "secret";

    /** The client of the server (the one to hand to an Agent, and to create objects with). */
    public KubernetesClient client() {
        return client;
    }

    /** The Vert.x instance the client runs on (the one to hand to an Agent). */
    public Vertx vertx() {
        return vertx;
    }

    /** The server's port. */
    public int port() {
        return client.getMasterUrl().getPort();
    }

    /** The server's URL, {@code http://localhost:<port>/}. */
    public String url() {
        return client.getMasterUrl().toString();
    }

    /** Writes a kubeconfig file pointing at this server (token "test", which the mock accepts), for {@code --kubeconfig}. */
    public Path writeKubeconfig() throws IOException {
        return writeKubeconfig(url());
    }

    /** Writes a kubeconfig file pointing at the API server at {@code url} (token "test"). */
    public static Path writeKubeconfig(String url) throws IOException {
        Path file = Files.createTempFile("kubeconfig", ".yaml");
        Files.writeString(file, kubeconfig(url));
        return file;
    }

    /** A kubeconfig's text pointing at the API server at {@code url} (token "test", which the stand-ins accept). */
    public static String kubeconfig(String url) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster: {server: "%s"}
                users:
                - name: test
                  user: {token: test}
                contexts:
                - name: test
                  context: {cluster: test, user: test}
                current-context: test
                """.formatted(url);
    }

    /** Stops the server only: from now on the API does not answer. */
    public void stopServer() {
        if (!serverStopped) {
            serverStopped = true;
            server.destroy();
        }
    }

    @Override
    public void close() {
        client.close();
        vertx.close();
        stopServer();
    }
}
