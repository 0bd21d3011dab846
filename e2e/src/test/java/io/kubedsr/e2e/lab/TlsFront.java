package io.kubedsr.e2e.lab;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;

/**
 * TLS in front of a plain-HTTP server on this machine: accepts TLS connections with a server certificate and
 * pipes the decrypted bytes to {@code 127.0.0.1:backendPort} and back, so that the mock API server is reached
 * over HTTPS as an API server is, verified against a cluster CA.
 */
public final class TlsFront implements AutoCloseable {
    private final NetServer server;
    private final NetClient client;

    private TlsFront(NetServer server, NetClient client) {
        this.server = server;
        this.client = client;
    }

    public static TlsFront start(Vertx vertx, TestCertificates certs, String host, int port, int backendPort) {
        NetClient client = vertx.createNetClient();
        NetServer server = vertx.createNetServer(new NetServerOptions().setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(certs.serverCertPem())).setKeyValue(Buffer.buffer(certs.serverKeyPem()))));
        server.connectHandler(downstream -> {
            downstream.pause();
            client.connect(backendPort, "127.0.0.1").onComplete(ar -> {
                if (ar.failed()) {
                    downstream.close();
                    return;
                }
                NetSocket upstream = ar.result();
                downstream.pipeTo(upstream);
                upstream.pipeTo(downstream);
            });
        });
        server.listen(port, host).toCompletionStage().toCompletableFuture().join();
        return new TlsFront(server, client);
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
