package io.kubedsr.proxy.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.kubedsr.proxy.metrics.PrometheusText;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** Vert.x's blocked-thread checker, on an instance whose limit is 100 ms, with an event loop kept busy on purpose. */
class BlockedThreadsTest {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(100)
            .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS).setBlockedThreadCheckInterval(20)
            .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));

    @AfterEach
    void close() {
        vertx.close().await();
    }

    private static void busy(long millis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void aBusyEventLoopIsReportedWithItsStackCountedAndRendered() throws Exception {
        BlockedThreads blocked = BlockedThreads.of(vertx);
        CompletableFuture<BlockedThreads.Blocked> first = new CompletableFuture<>();
        blocked.listen(first::complete);
        vertx.runOnContext(v -> busy(500));
        BlockedThreads.Blocked b = first.get(10, TimeUnit.SECONDS);
        assertThat(b.thread()).startsWith("vert.x-eventloop-thread-");
        assertThat(b.limit()).hasMillis(100);
        assertThat(b.blockedFor()).isGreaterThan(b.limit());
        assertThat(b.describe()).contains("BlockedThreadsTest.busy");
        assertThat(blocked.count()).isPositive();
        PrometheusText out = new PrometheusText();
        blocked.render(out);
        assertThat(out.toString()).containsPattern("(?m)^kube_dsr_blocked_threads_total [1-9]");
    }

    @Test
    void everyoneAskingForOneInstanceGetsTheSameFindings() {
        assertThat(BlockedThreads.of(vertx)).isSameAs(BlockedThreads.of(vertx));
        assertThat(BlockedThreads.of(vertx).count()).isZero();
    }
}
