package io.kubedsr.e2e.lab;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Vertx;

/**
 * A stand-in API server (fabric8's mock server in CRUD mode, as {@link MockApi}) with a resourceVersion history of
 * its own: the versions it hands out start above {@code firstVersion}, and a watch that asks to resume from a version
 * below that (one another server issued: the server an agent watched before it went away) is answered as the real
 * API server answers a version it no longer has (a watch whose one event is an ERROR carrying a {@code 410 Gone}
 * Status, reason {@code Expired}), so the agent's
 * informers must list again. fabric8's own dispatcher ignores the version of a watch and would stream from now,
 * silently losing what changed in between.
 */
public final class StandInApi implements AutoCloseable {
    /**
     * The mock server logs every request at INFO; in the VM that goes to the serial console, whose emulated UART
     * made creating the big clusters' thousands of objects take minutes. Held here: JUL keeps loggers weakly.
     */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final Vertx vertx;
    private final KubernetesClient client;

    private StandInApi(long firstVersion) {
        HistoryDispatcher dispatcher = new HistoryDispatcher(firstVersion);
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        vertx = Vertx.vertx();
        // A minute per request, not fabric8's 10 s: a cold JVM under emulation stalls its event loop for seconds (the first
        // request of a 10,000-Service population timed out), and the test's client is not what a scenario measures.
        client = server.createClient(b -> b.withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).editOrNewConfig()
                .withRequestTimeout(60_000).endConfig());
    }

    /** A server on a free loopback port whose resourceVersions start above {@code firstVersion}. */
    public static StandInApi withHistoryFrom(long firstVersion) {
        return new StandInApi(firstVersion);
    }

    /** The test's client of this server (objects are created with it; agents connect through an {@link ApiProxy}). */
    public KubernetesClient client() {
        return client;
    }

    /** Where the server listens (what an {@link ApiProxy} forwards to). */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
    }

    /** The Vert.x instance of the test's client (an in-process agent's client may share it). */
    public Vertx vertx() {
        return vertx;
    }

    /**
     * Copies every Node, Service and EndpointSlice of {@code other} into this server, as a restored or rebuilt
     * cluster state would hold them: the same objects under this server's versions.
     */
    public void copyFrom(KubernetesClient other) {
        for (HasMetadata o : other.nodes().list().getItems()) {
            create(o);
        }
        for (HasMetadata o : other.services().inAnyNamespace().list().getItems()) {
            create(o);
        }
        for (HasMetadata o : other.discovery().v1().endpointSlices().inAnyNamespace().list().getItems()) {
            create(o);
        }
    }

    private void create(HasMetadata o) {
        o.getMetadata().setResourceVersion(null);
        o.getMetadata().setUid(null);
        client.resource(o).create();
    }

    @Override
    public void close() {
        client.close();
        vertx.close();
        server.destroy();
    }

    /** fabric8's CRUD dispatcher, with versions from {@code firstVersion} up and 410 for a watch from before. */
    private static final class HistoryDispatcher extends KubernetesCrudDispatcher {
        private static final Pattern VERSION = Pattern.compile("[?&]resourceVersion=(\\d+)");
        private final long firstVersion;

        HistoryDispatcher(long firstVersion) {
            this.firstVersion = firstVersion;
            // The list's version is the counter's current value, so the counter itself must start there.
            for (long v = 0; v < firstVersion; v++) {
                requestResourceVersion();
            }
        }

        @Override
        public MockResponse handleWatch(String path) {
            Matcher m = VERSION.matcher(path);
            if (m.find() && Long.parseLong(m.group(1)) < firstVersion) {
                // As kube-apiserver answers a watch from a version it no longer has: the watch opens, and its one
                // event is an ERROR carrying a 410 Status (reason Expired); informers list again on it.
                String expired = """
                        {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",\
                        "message":"too old resource version: %s (%d)","reason":"Expired","code":410}}"""
                        .formatted(m.group(1), firstVersion);
                return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket webSocket, Response response) {
                        webSocket.send(expired);
                    }
                });
            }
            return super.handleWatch(path);
        }
    }
}
