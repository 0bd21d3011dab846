package io.kubedsr.proxy.process;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.proxy.metrics.PrometheusText;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.threadchecker.BlockedThreadEvent;
import io.vertx.core.shareddata.Shareable;

/**
 * What Vert.x's blocked-thread checker finds on one Vert.x instance: an event loop busy with one task for longer
 * than {@code maxEventLoopExecuteTime} (2 s by default), or a worker for longer than {@code maxWorkerExecuteTime}
 * (60 s). Each finding is logged with the blocked thread's stack (Vert.x itself prints the stack only past 5 s),
 * counted for {@code kube_dsr_blocked_threads_total} and passed to the listeners (the VM harness fails a scenario
 * on it). One per Vert.x instance, kept in the instance's own local shared data, so the agent, its launcher and a
 * test harness sharing the instance see the same findings; the checker has room for one handler only.
 * ({@link Shareable}: local shared data hands out this very instance, not a copy.)
 */
public final class BlockedThreads implements Shareable {
    private static final Logger LOG = LoggerFactory.getLogger(BlockedThreads.class);
    private static final String MAP = "kube-dsr";
    private static final String KEY = BlockedThreads.class.getName();

    /** One finding: the thread, how long its current task had run, the limit, and where it was. */
    public record Blocked(String thread, Duration blockedFor, Duration limit, List<StackTraceElement> stack) {
        public Blocked {
            stack = List.copyOf(stack);
        }

        /** The finding with its stack, one frame a line. */
        public String describe() {
            StringBuilder sb = new StringBuilder().append("thread ").append(thread).append(" blocked for ")
                    .append(blockedFor.toMillis()).append(" ms (limit ").append(limit.toMillis()).append(" ms)");
            for (StackTraceElement e : stack) {
                sb.append("\n\tat ").append(e);
            }
            return sb.toString();
        }
    }

    private final AtomicLong count = new AtomicLong();
    private final List<Consumer<Blocked>> listeners = new CopyOnWriteArrayList<>();

    private BlockedThreads() {
    }

    /** The findings of this Vert.x instance; the first call installs the handler. */
    public static BlockedThreads of(Vertx vertx) {
        return (BlockedThreads) vertx.sharedData().getLocalMap(MAP).computeIfAbsent(KEY, k -> {
            BlockedThreads b = new BlockedThreads();
            ((VertxInternal) vertx).blockedThreadChecker().setThreadBlockedHandler(b::blocked);
            return b;
        });
    }

    /** Called with every later finding, on the checker's timer thread. */
    public void listen(Consumer<Blocked> listener) {
        listeners.add(listener);
    }

    public long count() {
        return count.get();
    }

    public void render(PrometheusText out) {
        out.single("kube_dsr_blocked_threads_total", "counter", "Times Vert.x found an event loop busy with one task for"
                + " over 2 s or a worker for over 60 s (each is logged with its stack)", count());
    }

    private void blocked(BlockedThreadEvent event) {
        Blocked b = new Blocked(event.thread().getName(), Duration.ofNanos(event.duration()),
                Duration.ofNanos(event.maxExecTime()), List.of(event.thread().getStackTrace()));
        count.incrementAndGet();
        LOG.warn("{}", b.describe());
        for (Consumer<Blocked> l : listeners) {
            l.accept(b);
        }
    }
}
