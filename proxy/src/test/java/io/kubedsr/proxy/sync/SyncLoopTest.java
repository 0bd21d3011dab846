package io.kubedsr.proxy.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

/** The sync loop's policy, in virtual time: coalescing, one sync at a time, periodic full syncs, backoff. */
class SyncLoopTest {
    private static final SyncPolicy POLICY = SyncPolicy.withPeriod(Duration.ofMinutes(5));

    /** A source whose syncs record what they carried; {@code partial} makes full syncs leave the kernel wrong. */
    private static final class Recorder implements SyncLoop.Source<String> {
        final Set<String> pending = new LinkedHashSet<>();
        final List<String> syncs = new ArrayList<>();
        final List<Long> fullAt = new ArrayList<>();
        final ManualTimers timers;
        boolean partialFull;
        boolean throwFull;
        /** Taking the changes throws (a defect in building a snapshot). */
        boolean throwTake;
        /** The job throws an Error (a defect, or the JVM in trouble). */
        boolean errorInJob;
        /** Handling the outcome throws (a defect in what follows a sync: metrics, health checks, Events). */
        boolean throwFinished;
        /** Verifies in steps on the period instead of a full sync (as the service side does). */
        boolean verifiesInSteps;
        int stepsLeft;

        Recorder(ManualTimers timers) {
            this.timers = timers;
        }

        @Override
        public boolean hasChanges() {
            return !pending.isEmpty() || stepsLeft > 0;
        }

        @Override
        public boolean onPeriod() {
            if (!verifiesInSteps) {
                return true;
            }
            stepsLeft = 3;
            return false;
        }

        @Override
        public Callable<String> take(boolean full) {
            if (throwTake) {
                throw new IllegalStateException("snapshot failed");
            }
            if (!full && pending.isEmpty() && stepsLeft > 0) {
                String step = "step" + stepsLeft--;
                return () -> step;
            }
            String what = full ? "full" : String.join(",", pending);
            pending.clear();
            if (full) {
                fullAt.add(timers.nowMillis());
            }
            return () -> {
                if (errorInJob) {
                    throw new StackOverflowError("a defect");
                }
                if (full && throwFull) {
                    throw new IllegalStateException("nft refused");
                }
                return what;
            };
        }

        @Override
        public boolean finished(boolean full, String result, Throwable error) {
            syncs.add(error != null ? "error" : result);
            if (throwFinished) {
                throw new IllegalStateException("metrics failed");
            }
            return full && partialFull;
        }
    }

    private final ManualTimers timers = new ManualTimers();
    private final Recorder source = new Recorder(timers);
    private final List<Runnable> kernelQueue = new ArrayList<>();
    /** The kernel thread, run by hand: a job runs only when the test says so. */
    private final Executor kernel = kernelQueue::add;
    private final SyncLoop<String> loop = new SyncLoop<>("test", timers, kernel, source, POLICY);

    private void runKernel() {
        List<Runnable> jobs = new ArrayList<>(kernelQueue);
        kernelQueue.clear();
        jobs.forEach(Runnable::run);
    }

    /** Advances time, running every kernel job as soon as it is queued. */
    private void settle(Duration d) {
        long end = timers.nowMillis() + d.toMillis();
        while (timers.nowMillis() < end) {
            timers.advance(Duration.ofMillis(1));
            runKernel();
        }
    }

    private void change(String what) {
        source.pending.add(what);
        loop.changed();
    }

    @Test
    void nothingRunsBeforeStartAndTheFirstSyncIsFull() {
        change("a");
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).isEmpty();
        loop.start();
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).containsExactly("full");
        assertThat(loop.firstFullSync()).isCompletedWithValue("full");
    }

    @Test
    void changesCoalesceIntoOneIncrementalSync() {
        loop.start();
        settle(Duration.ofSeconds(1));
        change("a");
        change("b");
        timers.advance(Duration.ofMillis(5));
        change("c");
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).containsExactly("full", "a,b,c");
    }

    @Test
    void oneSyncRunsAtATimeAndWhatArrivesMeanwhileFollows() {
        loop.start();
        timers.advance(Duration.ofMillis(20)); // the full sync is queued on the kernel thread, not run yet
        assertThat(kernelQueue).hasSize(1);
        change("a");
        timers.advance(Duration.ofSeconds(1));
        assertThat(kernelQueue).as("no second sync while one runs").hasSize(1);
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).containsExactly("full", "a");
    }

    @Test
    void aFullSyncRunsEveryPeriod() {
        loop.start();
        settle(Duration.ofMinutes(16));
        assertThat(source.syncs).containsExactly("full", "full", "full", "full");
    }

    @Test
    void aSourceThatVerifiesInStepsGetsItsStepsOnThePeriodAndChangesGoFirst() {
        source.verifiesInSteps = true;
        loop.start();
        settle(Duration.ofMinutes(5)); // the period: the first step after the coalescing
        settle(Duration.ofMillis(10));
        change("b"); // arrives between two steps
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).containsExactly("full", "step3", "b", "step2", "step1");
        assertThat(source.fullAt).as("no full sync on the period").hasSize(1);
    }

    /**
     * The defect this loop fixes: a kernel refusal that persists (a scheduler module that is missing) made every
     * full resync ask for the next at once, so full resyncs, each dumping all of IPVS, ran back to back.
     */
    @Test
    void aRefusalThatPersistsBacksOffInsteadOfResyncingBackToBack() {
        source.partialFull = true;
        loop.start();
        settle(Duration.ofSeconds(60));
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < source.fullAt.size(); i++) {
            gaps.add(source.fullAt.get(i) - source.fullAt.get(i - 1));
        }
        assertThat(source.fullAt).hasSizeLessThanOrEqualTo(9);
        assertThat(gaps).as("0.5 s doubling to 30 s").allSatisfy(g -> assertThat(g).isGreaterThanOrEqualTo(500));
        assertThat(gaps.get(gaps.size() - 1)).isGreaterThan(gaps.get(0) * 8);
    }

    @Test
    void changesAreSyncedWhileTheRepairWaits() {
        source.partialFull = true;
        loop.start();
        settle(Duration.ofMillis(100));
        change("a");
        settle(Duration.ofMillis(100));
        assertThat(source.syncs).containsExactly("full", "a");
    }

    @Test
    void aCleanFullSyncResetsTheBackoff() {
        source.partialFull = true;
        loop.start();
        settle(Duration.ofSeconds(20)); // full syncs at 0, 0.5, 1.5, 3.5, 7.5, 15.5 s
        source.partialFull = false;
        settle(Duration.ofSeconds(20)); // the next (at 31.5 s) is clean
        int before = source.fullAt.size();
        source.partialFull = true;
        loop.requestFull();
        settle(Duration.ofSeconds(1));
        assertThat(source.fullAt).hasSize(before + 2); // the requested one at once, its repair 0.5 s later
    }

    @Test
    void anExceptionIsRetriedWithBackoffAndTheFirstSyncWaitsForSuccess() {
        source.throwFull = true;
        loop.start();
        settle(Duration.ofSeconds(3));
        assertThat(source.syncs).containsOnly("error").hasSizeBetween(2, 4);
        assertThat(loop.firstFullSync()).isNotDone();
        source.throwFull = false;
        settle(Duration.ofSeconds(5));
        assertThat(loop.firstFullSync()).isCompletedWithValue("full");
    }

    /** An exception from the source ends no loop: it is a failed sync, repaired by a full sync after the backoff. */
    @Test
    void aSourceThatThrowsWhileTakingChangesFailsThatSyncAndTheLoopGoesOn() {
        loop.start();
        settle(Duration.ofSeconds(1));
        source.throwTake = true;
        change("a");
        settle(Duration.ofMillis(100));
        assertThat(source.syncs).containsExactly("full", "error");
        source.throwTake = false;
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).as("the repair").containsExactly("full", "error", "full");
        change("b");
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).containsExactly("full", "error", "full", "b");
    }

    @Test
    void aSourceThatThrowsHandlingAnOutcomeFailsThatSyncAndTheLoopGoesOn() {
        source.throwFinished = true;
        loop.start();
        settle(Duration.ofSeconds(1));
        assertThat(loop.firstFullSync()).as("a full sync whose outcome could not be handled is no first sync").isNotDone();
        source.throwFinished = false;
        settle(Duration.ofSeconds(2));
        assertThat(loop.firstFullSync()).isCompletedWithValue("full");
        change("a");
        settle(Duration.ofSeconds(1));
        assertThat(source.syncs).endsWith("a");
    }

    /** An Error is not a failed sync to retry: it leaves the job and ends the thread that ran it (the agent's kernel thread). */
    @Test
    void anErrorInAJobIsNotCaught() {
        source.errorInJob = true;
        loop.start();
        timers.advance(Duration.ofMillis(20));
        assertThatThrownBy(this::runKernel).isInstanceOf(StackOverflowError.class);
        assertThat(source.syncs).isEmpty();
    }
}
