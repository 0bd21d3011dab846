package io.kubedsr.proxy.sync;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one sync loop of the agent, used by the service side and by the overlay alike:
 * <ul>
 * <li>changes coalesce: the first change schedules a sync {@code coalesce} later, which carries everything
 * pending by then;</li>
 * <li>one sync runs at a time, on the kernel thread; changes that arrive meanwhile wait for the next;</li>
 * <li>a full sync runs first (once {@link #start} says the inputs are complete) and every {@code period}, unless the
 * source verifies the kernel in steps of its own then ({@link Source#onPeriod}), which it reports as changes;</li>
 * <li>a sync that fails, by an exception or with kernel refusals that leave the kernel other than wanted, is
 * repaired by a full sync after a backoff (0.5 s doubling to 30 s by default) that only a clean full sync resets;
 * incremental changes keep being synced meanwhile, so every other object stays served while one keeps failing.</li>
 * </ul>
 * What a sync carries comes from the {@link Source}, taken on the loop's context, as an immutable snapshot. An
 * exception from the source (taking the changes, or handling the outcome) counts as a failed sync: the loop goes
 * on. An {@link Error} in a job is not caught: it ends the kernel thread (whose owner ends the agent). Confined to
 * the loop's context, except for the job itself.
 */
public final class SyncLoop<R> {
    private static final Logger LOG = LoggerFactory.getLogger(SyncLoop.class);

    /** What the loop syncs: its pending changes, the job that writes them, and what the job's outcome means. */
    public interface Source<R> {
        /** Whether incremental work is pending. */
        boolean hasChanges();

        /** Takes the pending changes (everything, for a full sync) into a job for the kernel thread. */
        Callable<R> take(boolean full);

        /**
         * The job's outcome, back on the context ({@code result} null when it threw {@code error}); returns whether
         * it left the kernel other than wanted, so that a full sync must repair it.
         */
        boolean finished(boolean full, R result, Throwable error);

        /**
         * The period has come: true asks for a full sync; a source that verifies the kernel in steps (work it then
         * reports as changes, taken between the other changes) starts them and returns false.
         */
        default boolean onPeriod() {
            return true;
        }
    }

    private final String name;
    private final LoopTimers timers;
    private final Executor kernel;
    private final Source<R> source;
    private final SyncPolicy policy;
    private final CompletableFuture<R> firstFull = new CompletableFuture<>();

    private boolean started;
    private boolean stopped;
    private boolean scheduled;
    private boolean running;
    private boolean ranOnce;
    private boolean fullWanted;
    /** The earliest time the wanted full sync may run (a failure's backoff); 0: at once. */
    private long fullNotBefore;
    private boolean retryArmed;
    private long backoffMillis;
    /** Taking changes failed: they are still pending, and only the full sync (which takes everything) may run next. */
    private boolean takeFailed;

    public SyncLoop(String name, LoopTimers timers, Executor kernel, Source<R> source, SyncPolicy policy) {
        this.name = name;
        this.timers = timers;
        this.kernel = kernel;
        this.source = source;
        this.policy = policy;
    }

    /** Completes with the first full sync that did not throw. */
    public CompletableFuture<R> firstFullSync() {
        return firstFull;
    }

    /** The inputs are complete (informers synced): the first full sync, then one every period. Context only. */
    public void start() {
        if (started) {
            return;
        }
        started = true;
        fullWanted = true;
        schedule();
        periodic();
    }

    private void periodic() {
        timers.later(policy.period(), () -> {
            if (!stopped) {
                if (source.onPeriod()) {
                    requestFull();
                } else {
                    schedule();
                }
                periodic();
            }
        });
    }

    /** Something changed: the source has changes (from the context). */
    public void changed() {
        schedule();
    }

    /** A full sync soon (from the context): drift repair, or inputs every object depends on changed. */
    public void requestFull() {
        fullWanted = true;
        schedule();
    }

    /** Looks at the source again after {@code delay} (follow-up work the source will report as changes). */
    public void wakeUpIn(Duration delay) {
        timers.later(delay, this::schedule);
    }

    public void stop() {
        stopped = true;
    }

    private void schedule() {
        if (!started || stopped || scheduled) {
            return;
        }
        scheduled = true;
        timers.later(policy.coalesce(), this::run);
    }

    private void run() {
        scheduled = false;
        if (running || stopped) {
            return; // the running sync schedules again when it ends
        }
        long now = timers.nowMillis();
        boolean full = fullWanted && now >= fullNotBefore;
        if (fullWanted && !full && !retryArmed) {
            retryArmed = true;
            timers.later(Duration.ofMillis(fullNotBefore - now), () -> {
                retryArmed = false;
                schedule();
            });
        }
        if (!full && !(ranOnce && !takeFailed && source.hasChanges())) {
            return;
        }
        if (full) {
            fullWanted = false;
        }
        Callable<R> job = take(full);
        running = true;
        kernel.execute(() -> {
            R result = null;
            Exception error = null;
            try {
                result = job.call();
            } catch (Exception e) {
                error = e;
            }
            // An Error is no failed sync but a defect or a JVM in trouble: it ends the kernel thread, and the agent.
            R r = result;
            Exception e = error;
            timers.onContext(() -> finished(full, r, e));
        });
    }

    /** The source's job; if taking it fails, a job that fails with that (a full sync repairs it after the backoff). */
    private Callable<R> take(boolean full) {
        try {
            Callable<R> job = source.take(full);
            takeFailed &= !full;
            return job;
        } catch (RuntimeException e) {
            takeFailed = true;
            return () -> {
                throw e;
            };
        }
    }

    private void finished(boolean full, R result, Throwable outcome) {
        running = false;
        ranOnce = true;
        Throwable error = outcome;
        boolean failed;
        try {
            failed = source.finished(full, result, error) || error != null;
        } catch (RuntimeException e) {
            error = error == null ? e : error; // what follows the sync failed: repaired like a failed sync
            failed = true;
        }
        if (failed) {
            backoffMillis = backoffMillis == 0 ? policy.firstBackoff().toMillis()
                    : Math.min(backoffMillis * 2, policy.maxBackoff().toMillis());
            fullWanted = true;
            fullNotBefore = timers.nowMillis() + backoffMillis;
            if (error != null) {
                LOG.error("{} sync failed; a full sync follows in {} ms: {}", name, backoffMillis, error.toString(), error);
            } else {
                LOG.warn("{} sync left the kernel other than wanted; a full sync follows in {} ms", name, backoffMillis);
            }
        } else if (full) {
            backoffMillis = 0;
            fullNotBefore = 0;
        }
        if (full && error == null) {
            firstFull.complete(result);
        }
        if (fullWanted || source.hasChanges()) {
            schedule();
        }
    }
}
