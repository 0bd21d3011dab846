package io.kubedsr.e2e.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubedsr.e2e.vm.BlockedThreadFindings;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.api.ApiClients;
import io.kubedsr.proxy.process.BlockedThreads;
import io.kubedsr.proxy.process.NettyDefaults;
import io.vertx.core.Vertx;

/**
 * A stand-in API server (not a cluster): fabric8's mock server in CRUD mode, which keeps what it is sent and
 * serves lists and watches of it, on a free port (of the loopback, or of {@link ApiLink}); with the Vert.x instance and the client an Agent is
 * given, the client made as the agent makes its own ({@link ApiClients}). Every finding of Vert.x's blocked-thread
 * checker on that instance goes to {@link BlockedThreadFindings}, which fails the VM scenario (not for the
 * RBAC-enforcing stand-in, which no in-process agent runs on). Closing stops the
 * client, Vert.x and the server.
 */
public final class MockApi implements AutoCloseable {
    private final KubernetesMockServer server;
    private final Vertx vertx;
    private final KubernetesClient client;
    private final String url;
    private boolean serverStopped;

    /** {@code agentsHere}: in-process agents run on this Vert.x, so its blocked-thread findings are theirs. */
    private MockApi(KubernetesCrudDispatcher dispatcher, InetAddress address, boolean agentsHere) {
        NettyDefaults.apply(); // the agents in this JVM get what Main gives the agent's JVM
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(address, 0);
        url = "http://" + IpPrefix.format(address) + ":" + server.getPort() + "/";
        vertx = Vertx.vertx();
        if (agentsHere) {
            BlockedThreads.of(vertx).listen(b -> BlockedThreadFindings.record("in-process agents' Vert.x: " + b.describe()));
        }
        // What the mock's own clients get (the admin token, which the CRUD mock does not check), with the address it
        // listens on.
        client = ApiClients.create(new ConfigBuilder(Config.empty()).withMasterUrl(url).withNamespace("test")
                .withHttp2Disable(true).withOauthToken(ADMIN_TOKEN).build(), vertx);
    }

    /** Starts the server on a free loopback port. */
    public static MockApi start() {
        return startOn(InetAddress.getLoopbackAddress());
    }

    /** Starts the server on a free port of {@code address} (e.g. {@link ApiLink#ADDRESS}, for agent processes in nodes). */
    public static MockApi startOn(InetAddress address) {
        return new MockApi(new KubernetesCrudDispatcher(), address, true);
    }

    /**
     * Starts a server that authenticates and authorizes like an API server ({@link RbacDispatcher}), listening on
     * {@code address} (port chosen by the system). {@link #client()} holds the admin token the policy allows
     * everything ({@link #ADMIN_TOKEN}). No agent runs on its Vert.x (the container scenarios' agents are processes
     * of their own, checked by {@code cluster/AgentPod}), so its blocked-thread findings are none of the scenario's.
     */
    public static MockApi startWithRbac(RbacDispatcher dispatcher, InetAddress address) {
        return new MockApi(dispatcher, address, false);
    }

    /** The token {@link #client()} sends (as fabric8's own mock clients do). */
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
        return server.getPort();
    }

    /** The server's URL, {@code http://<address>:<port>/}. */
    public String url() {
        return url;
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
