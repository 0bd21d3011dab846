package io.kubedsr.proxy;

import java.net.InetAddress;
import java.util.HashMap;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * fabric8's mock API server in CRUD mode (it keeps what is created and serves lists and watches of it), plain
 * HTTP on the loopback: what the host tests of the agent's API side run against. Each test makes the client it
 * needs ({@code server.createClient(...)}) and calls {@code server.destroy()} at its end.
 */
public final class CrudApiServer {
    private CrudApiServer() {
    }

    public static KubernetesMockServer start() {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }
}
