package io.kubedsr.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;
import io.vertx.core.Vertx;

/** The metrics server over real HTTP on localhost. */
class MetricsServerTest {
    private final Vertx vertx = Vertx.vertx();
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        vertx.close().await();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void servesTheExpositionOnItsPathAndReadsIpvsOncePerScrapeWindow() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        ServiceStat stat = new ServiceStat(new ServicePortKey(new ServiceRef("default", "web"), "http", Protocol.TCP),
                (VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.1"), Protocol.TCP, 80),
                new IpvsStats(7, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        Clock frozen = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);
        SyncMetrics sync = new SyncMetrics();
        MetricsServer server = new MetricsServer(vertx, "/metrics", sync::render, () -> {
            reads.incrementAndGet();
            return CompletableFuture.completedFuture(new IpvsServiceStats(List.of(stat), 3));
        }, frozen);
        int port = freePort();
        server.listen("127.0.0.1", port).await();

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        ExpositionFormat.check(r.body());
        assertThat(r.body().lines()).contains(
                "kube_router_service_total_connections{namespace=\"default\",service_name=\"web\",service_vip=\"10.96.0.1\",protocol=\"tcp\",port=\"80\"} 7",
                "kube_router_controller_ipvs_services 3", "kube_dsr_ipvs_operations_total 0");

        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(reads).hasValue(1); // the clock did not move: the reading is reused

        HttpResponse<String> other = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/other")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
    }

    @Test
    void aFailedIpvsReadStillServesTheSyncMetrics() throws Exception {
        MetricsServer server = new MetricsServer(vertx, "/metrics", new SyncMetrics()::render,
                () -> CompletableFuture.failedFuture(new IllegalStateException("no ipvs")), Clock.systemUTC());
        String text = server.scrape().get();
        ExpositionFormat.check(text);
        assertThat(text).doesNotContain("kube_router_service").contains("kubeproxy_network_programming_duration_seconds_count 0");
    }
}
