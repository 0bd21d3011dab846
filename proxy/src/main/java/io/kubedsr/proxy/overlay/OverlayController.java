package io.kubedsr.proxy.overlay;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.proxy.sync.LoopTimers;
import io.kubedsr.proxy.sync.SyncLoop;
import io.kubedsr.proxy.sync.SyncPolicy;
import io.kubedsr.proxy.watch.NodeModel;

/**
 * The overlay's side of the agent: which peer Nodes changed since the last sync, and the {@link SyncLoop} that
 * writes them through an {@link OverlayWriter} (the {@link OverlayEngine}) on the kernel thread. A change of this
 * node re-plans every peer (its addresses are the tunnels' local ends), so it asks for a full sync. Nothing is
 * written before the Node informer has synced; the first sync is full (orphans removed). Confined to the agent's
 * context.
 */
public final class OverlayController implements SyncLoop.Source<OverlaySyncResult> {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayController.class);

    private final NodeModel nodes;
    private final Supplier<OverlayWriter> engine;
    private final Set<String> changed = new HashSet<>();
    private final List<Consumer<OverlaySyncResult>> listeners = new ArrayList<>();
    private final SyncLoop<OverlaySyncResult> loop;
    private final LoopTimers timers;

    /** {@code engine} is asked for on the kernel thread (it is made there, once the kernel sockets are open). */
    public OverlayController(NodeModel nodes, LoopTimers timers, Executor kernel, SyncPolicy policy, Supplier<OverlayWriter> engine) {
        this.nodes = nodes;
        this.engine = engine;
        this.timers = timers;
        this.loop = new SyncLoop<>("overlay", timers, kernel, this, policy);
    }

    /** Observes every completed overlay sync, on the agent's context. */
    public void onSync(Consumer<OverlaySyncResult> listener) {
        listeners.add(listener);
    }

    /** Completes with the first (full) sync. */
    public CompletableFuture<OverlaySyncResult> firstSync() {
        return loop.firstFullSync();
    }

    /** A Node changed (the model has it already). Call on the agent's context. */
    public void nodeChanged(NodeModel.Change change) {
        if (change.self()) {
            loop.requestFull(); // local addresses, and so every tunnel's local end, may have changed
        } else {
            changed.add(change.name());
            loop.changed();
        }
    }

    /** The Node informer has listed every Node: the first, full sync. Call on the agent's context. */
    public void informerSynced() {
        loop.start();
    }

    /** A full sync that repairs drift (from any thread). */
    public void requestFullSync() {
        timers.onContext(loop::requestFull);
    }

    public void stop() {
        loop.stop();
    }

    @Override
    public boolean hasChanges() {
        return !changed.isEmpty();
    }

    @Override
    public Callable<OverlaySyncResult> take(boolean full) {
        if (full) {
            changed.clear();
            List<Node> all = nodes.all();
            String self = nodes.selfName();
            return () -> engine.get().fullSync(self, all);
        }
        Set<String> names = new HashSet<>(changed);
        changed.clear();
        Map<String, Node> subset = nodes.subset(names);
        return () -> engine.get().syncNodes(names, subset);
    }

    @Override
    public boolean finished(boolean full, OverlaySyncResult result, Throwable error) {
        if (error != null) {
            return true;
        }
        LOG.info("overlay sync done full={} nodes={} writes={} tunnels={} direct_routes={} failed_nodes={} took_ms={}",
                result.full(), result.nodesPlanned(), result.writes(), result.tunnels(), result.directRoutes(),
                result.failedNodes(), result.elapsed().toMillis());
        listeners.forEach(l -> l.accept(result));
        return result.failedNodes() > 0;
    }
}
