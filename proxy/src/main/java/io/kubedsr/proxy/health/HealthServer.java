package io.kubedsr.proxy.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * {@code /healthz} on the agent's Vert.x instance: 200 while syncs complete, 503 before the first one and
 * when the last one is older than the sync period plus a grace minute (the syncs stopped).
 */
public final class HealthServer {
    private final Vertx vertx;
    private final Duration staleAfter;
    private final Clock clock;
    private final AtomicReference<Instant> lastSync = new AtomicReference<>();
    private HttpServer server;

    public HealthServer(Vertx vertx, Duration syncPeriod, Clock clock) {
        this.vertx = vertx;
        this.staleAfter = syncPeriod.plusMinutes(1);
        this.clock = clock;
    }

    public void syncCompleted(Instant at) {
        lastSync.set(at);
    }

    public boolean healthy() {
        Instant last = lastSync.get();
        return last != null && !clock.instant().isAfter(last.plus(staleAfter));
    }

    public Future<HttpServer> listen(String host, int port) {
        server = vertx.createHttpServer().requestHandler(req -> {
            if (!"/healthz".equals(req.path())) {
                req.response().setStatusCode(404).end();
                return;
            }
            boolean ok = healthy();
            Instant last = lastSync.get();
            req.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "text/plain")
                    .end((ok ? "ok" : "unhealthy") + ": last sync " + (last == null ? "never" : last.toString()) + "\n");
        });
        return server.listen(port, host.isEmpty() ? "0.0.0.0" : host);
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
