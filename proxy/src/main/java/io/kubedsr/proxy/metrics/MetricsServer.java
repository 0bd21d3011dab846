package io.kubedsr.proxy.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * The Prometheus endpoint ({@code --metrics-addr}, {@code --metrics-port}, {@code --metrics-path}) on the agent's
 * Vert.x instance. The IPVS counters are read only when scraped, through {@code ipvsReader} (which runs the
 * dump on the kernel thread between syncs), and a reading is reused for a second so that several scrapers cost
 * one dump. The event loop neither waits on netlink nor renders: the exposition (a few lines per Service, 10,000
 * Services make a megabyte) is rendered on a Vert.x worker once the reading completes, and written back on the
 * request's event loop.
 */
public final class MetricsServer {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    static final Duration REUSE = Duration.ofSeconds(1);

    private final Vertx vertx;
    private final String path;
    private final Consumer<PrometheusText> agentMetrics;
    private final Supplier<CompletableFuture<IpvsServiceStats>> ipvsReader;
    private final Clock clock;
    private CompletableFuture<IpvsServiceStats> lastReading;
    private Instant lastReadingAt = Instant.MIN;
    private HttpServer server;

    /** {@code agentMetrics} renders the agent's own families (syncs, blocked threads) after the Services'. */
    public MetricsServer(Vertx vertx, String path, Consumer<PrometheusText> agentMetrics,
            Supplier<CompletableFuture<IpvsServiceStats>> ipvsReader, Clock clock) {
        this.vertx = vertx;
        this.path = path;
        this.agentMetrics = agentMetrics;
        this.ipvsReader = ipvsReader;
        this.clock = clock;
    }

    /** The whole exposition for one scrape, rendered on a Vert.x worker. */
    public CompletableFuture<String> scrape() {
        Executor worker = task -> vertx.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
        return reading().handleAsync((stats, error) -> {
            PrometheusText out = new PrometheusText();
            if (error != null) {
                LOG.warn("metrics: reading the IPVS counters failed, serving the sync metrics only: {}", error.toString());
            } else {
                ServiceMetrics.render(out, stats.services(), stats.ipvsServices());
            }
            agentMetrics.accept(out);
            return out.toString();
        }, worker);
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
            Context requestContext = vertx.getOrCreateContext();
            scrape().whenComplete((text, error) -> requestContext.runOnContext(v -> {
                if (error != null) {
                    req.response().setStatusCode(500).end(error.toString() + "\n");
                } else {
                    req.response().putHeader("content-type", PrometheusText.CONTENT_TYPE).end(text);
                }
            }));
        });
        return server.listen(port, host.isEmpty() ? "0.0.0.0" : host);
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}
