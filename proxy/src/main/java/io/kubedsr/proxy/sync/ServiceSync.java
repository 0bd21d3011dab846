package io.kubedsr.proxy.sync;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.watch.ChangeTracker;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.NodeModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * The service side's changes and what follows a sync, on the shared {@link SyncLoop}: informer handlers record
 * Service changes here; a sync takes them, with a snapshot of the Services, this node and every node's addresses,
 * to the {@link SyncEngine} on the kernel thread; its result feeds the metrics, the health checks, the Events
 * and the graceful-termination follow-up. The periodic resync is a verification in steps of at most
 * {@value #VERIFY_STEP_MILLIS} ms ({@link SyncEngine#verify}), taken only when no change is pending, so a change
 * waits for one step, not for the whole resync. Confined to the agent's context.
 */
public final class ServiceSync implements SyncLoop.Source<ServiceSync.Ran> {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceSync.class);
    private static final Duration DRAIN_CHECK = Duration.ofSeconds(1);
    static final long VERIFY_STEP_MILLIS = 100;

    /**
    /**
     * One sync as it ran: its kind, the changes it carried (with when each was seen), when it took them (after
     * coalescing, and waiting for the sync before it), its result, its write's end, and the engine's cache sizes
     * after it.
     */
    public record Ran(SyncMetrics.Kind kind, Map<ServiceRef, Instant> changes, Instant takenAt, SyncResult result, Instant writtenAt,
            Map<String, Integer> caches) {
    }

    /** What a finished sync is reported to (all on the agent's context). */
    public record Observers(SyncMetrics metrics, HealthServer health, HealthCheckNodePorts healthChecks,
            Consumer<Problem> problems) {
    }

    private final ClusterModel model;
    private final NodeModel nodes;
    private final ChangeTracker tracker = new ChangeTracker();
    private final Supplier<SyncEngine> engine;
    private final Clock clock;
    private final LoopTimers timers;
    private final Observers observers;
    private final List<Consumer<Ran>> listeners = new ArrayList<>();
    private final SyncLoop<Ran> loop;
    private boolean drainCheckWanted;
    /** A periodic verification is under way (its next step starts one when {@code verifyStarted} is false). */
    private boolean verifying;
    private boolean verifyStarted;
    private boolean drainCheckArmed;
    private boolean dsrServices;

    /** {@code engine} is asked for on the kernel thread (it is made there, once the kernel sockets are open). */
    public ServiceSync(ClusterModel model, NodeModel nodes, Supplier<SyncEngine> engine, Clock clock, LoopTimers timers,
            Executor kernel, SyncPolicy policy, Observers observers) {
        this.model = model;
        this.nodes = nodes;
        this.engine = engine;
        this.clock = clock;
        this.timers = timers;
        this.observers = observers;
        this.loop = new SyncLoop<>("service", timers, kernel, this, policy);
    }

    /** Observes every completed sync (tests). Called on the agent's context. */
    public void onSync(Consumer<SyncResult> listener) {
        listeners.add(ran -> listener.accept(ran.result()));
    }

    /** Observes every completed sync as it ran (the churn benchmark's timings). Called on the agent's context. */
    public void onRan(Consumer<Ran> listener) {
        listeners.add(listener);
    }

    /** Completes with the first full sync that did not fail. */
    public CompletableFuture<SyncResult> firstSync() {
        return loop.firstFullSync().thenApply(Ran::result);
    }

    /** A Service or one of its EndpointSlices changed (the model has it already). */
    public void serviceChanged(ServiceRef ref) {
        tracker.changed(ref, clock.instant());
        loop.changed();
    }

    /**
     * A Node changed: this node's addresses move the NodePorts; its zone decides which endpoints topology hints
     * select; every node's addresses feed DSR's hostNetwork check, which only a DSR Service can plan differently by.
     */
    public void nodeChanged(NodeModel.Change change) {
        if (change.selfAddresses() || change.selfZone() || change.clusterAddresses() && dsrServices) {
            loop.requestFull();
        }
    }

    /** Every Service and EndpointSlice has been listed: the first, full sync covers them all. */
    public void informersSynced() {
        tracker.drain();
        LOG.info("informers synced: services={} ; first full sync", model.services().size());
        loop.start();
    }

    public void stop() {
        loop.stop();
    }

    @Override
    public boolean hasChanges() {
        return !tracker.isEmpty() || drainCheckWanted || verifying;
    }

    /** The periodic resync: a verification in steps, not a full sync. */
    @Override
    public boolean onPeriod() {
        if (!verifying) {
            verifying = true;
            verifyStarted = false;
        }
        return false;
    }

    @Override
    public Callable<Ran> take(boolean full) {
        Instant taken = clock.instant();
        if (full) {
            Map<ServiceRef, Instant> changes = tracker.drain();
            ServiceSnapshot snapshot = new ServiceSnapshot(model.copy(), nodes.selfInfo(), nodes.clusterAddresses());
            return () -> written(SyncMetrics.Kind.FULL, changes, taken, engine.get().fullResync(snapshot));
        }
        if (tracker.isEmpty() && drainCheckWanted) {
            drainCheckWanted = false;
            return () -> written(SyncMetrics.Kind.DRAIN, Map.of(), taken, engine.get().refreshDraining());
        }
        if (tracker.isEmpty()) {
            boolean start = !verifyStarted;
            verifyStarted = true;
            return () -> written(SyncMetrics.Kind.VERIFY, Map.of(), taken,
                    engine.get().verify(start, Duration.ofMillis(VERIFY_STEP_MILLIS)));
        }
        Map<ServiceRef, Instant> changes = tracker.drain();
        ServiceSnapshot snapshot = new ServiceSnapshot(model.subset(changes.keySet()), nodes.selfInfo(), nodes.clusterAddresses());
        return () -> written(SyncMetrics.Kind.INCREMENTAL, changes, taken, engine.get().syncServices(changes.keySet(), snapshot));
    }

    /** The instant the kernel thread finished writing is the end of network programming. On the kernel thread. */
    private Ran written(SyncMetrics.Kind kind, Map<ServiceRef, Instant> changes, Instant taken, SyncResult result) {
        return new Ran(kind, changes, taken, result, clock.instant(), engine.get().cacheSizes());
    }

    @Override
    public boolean finished(boolean full, Ran ran, Throwable error) {
        if (full) {
            observers.healthChecks().syncAll(model);
        }
        if (full && error == null) {
            verifying = false; // a full resync read everything
        }
        if (error != null) {
            observers.metrics().failed();
            verifying = false; // the full resync that repairs it reads everything
            return true;
        }
        if (ran.kind() == SyncMetrics.Kind.VERIFY && ran.result().verificationLeft() == 0) {
            verifying = false;
            LOG.info("periodic verification done");
        }
        if (ran.kind() == SyncMetrics.Kind.INCREMENTAL) {
            observers.healthChecks().sync(ran.changes().keySet(), model);
        }
        SyncResult result = ran.result();
        observers.metrics().synced(ran.kind(), result, ran.changes().values(), ran.writtenAt());
        observers.metrics().caches().engine(ran.caches());
        observers.health().syncCompleted(clock.instant());
        // Full syncs at info; incremental syncs and verification steps (many a second under churn) at debug.
        if (ran.kind() == SyncMetrics.Kind.FULL || result.kernelWrites() > 0 && ran.kind() == SyncMetrics.Kind.VERIFY) {
            LOG.info("sync done kind={} ipvs_ops={} address_ops={} failures={} took_ms={}", ran.kind(), result.ipvsOperations(),
                    result.addressOperations(), result.failures().size(), result.elapsed().toMillis());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("sync done kind={} ipvs_ops={} address_ops={} failures={} took_ms={}", ran.kind(), result.ipvsOperations(),
                    result.addressOperations(), result.failures().size(), result.elapsed().toMillis());
        }
        result.problems().forEach(observers.problems());
        listeners.forEach(l -> l.accept(ran));
        dsrServices = result.dsrServices();
        if (result.draining() > 0 && !drainCheckArmed) {
            // Graceful termination: look at the draining real servers' connections again in a second.
            drainCheckArmed = true;
            timers.later(DRAIN_CHECK, () -> {
                drainCheckArmed = false;
                drainCheckWanted = true;
                loop.changed();
            });
        }
        return result.partialFailure();
    }
}
