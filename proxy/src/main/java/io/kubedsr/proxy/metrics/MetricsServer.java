package io.kubedsr.proxy.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * The Prometheus endpoint ({@code --metrics-addr}, {@code --metrics-port}, {@code --metrics-path}) on the agent's
 * Vert.x instance. The IPVS counters are read only when scraped, through {@code ipvsReader} (which runs the
 * dump on the kernel thread between syncs), and a reading is reused for a second so that several scrapers cost
 * one dump. The event loop never waits on netlink: the response is written when the reading completes.
 */
public final class MetricsServer {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    static final Duration REUSE = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final String path;
    private final SyncMetrics sync;
    private final OverlayMetrics overlay;
    private final Supplier<CompletableFuture<IpvsServiceStats>> ipvsReader;
    private final Clock clock;
    private CompletableFuture<IpvsServiceStats> lastReading;
    private Instant lastReadingAt = Instant.MIN;
    private HttpServer server;

    public MetricsServer(Vertx vertx, String path, SyncMetrics sync, OverlayMetrics overlay,
            Supplier<CompletableFuture<IpvsServiceStats>> ipvsReader, Clock clock) {
        this.vertx = vertx;
        this.path = path;
        this.sync = sync;
        this.overlay = overlay;
        this.ipvsReader = ipvsReader;
        this.clock = clock;
    }

    /** The whole exposition for one scrape. */
    public CompletableFuture<String> scrape() {
        return reading().handle((stats, error) -> {
            PrometheusText out = new PrometheusText();
            if (error != null) {
                LOG.warn("metrics: reading the IPVS counters failed, serving the sync metrics only: {}", error.toString());
            } else {
                ServiceMetrics.render(out, stats.services(), stats.ipvsServices());
            }
            sync.render(out);
            overlay.render(out);
            return out.toString();
        });
    }

    private synchronized CompletableFuture<IpvsServiceStats> reading() {
        Instant now = clock.instant();
        if (lastReading == null || lastReading.isDone() && now.isAfter(lastReadingAt.plus(REUSE))) {
            lastReading = ipvsReader.get();
            lastReadingAt = now;
        }
        return lastReading;
    }

    public Future<HttpServer> listen(String host, int port) {
        server = vertx.createHttpServer().requestHandler(req -> {
            if (!path.equals(req.path())) {
                req.response().setStatusCode(404).end();
                return;
            }
            scrape().whenComplete((text, error) -> {
                if (error != null) {
                    req.response().setStatusCode(500).end(error.toString() + "\n");
                } else {
                    req.response().putHeader("content-type", PrometheusText.CONTENT_TYPE).end(text);
                }
            });
        });
        return server.listen(port, host.isEmpty() ? "0.0.0.0" : host);
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
