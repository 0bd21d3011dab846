package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.kubedsr.proxy.model.NodeInfos;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The overlay's side of the agent: the Node informer's handler records every Node on the agent's context and
 * marks it changed; syncs are coalesced and run one at a time on the agent's kernel thread. Nothing is written
 * before the informer has synced; the first sync is full (orphans removed). A change of this node re-plans
 * every peer (its addresses are the tunnels' local ends) and is reported to {@link #onOwnAddresses}.
 */
public final class OverlayController {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayController.class);
    private static final long COALESCE_MILLIS = 10;

    private final String self;
    private final Vertx vertx;
    private final Context context;
    private final Executor kernel;
    private final Supplier<OverlayEngine> engine;
    private final Map<String, Node> nodes = new HashMap<>();
    private final Set<String> changed = new HashSet<>();
    private final List<Consumer<OverlaySyncResult>> listeners = new ArrayList<>();
    private Consumer<List<InetAddress>> ownAddressListener = a -> { };
    private Consumer<Set<InetAddress>> clusterAddressListener = a -> { };
    private Set<InetAddress> clusterAddresses = Set.of();
    private volatile List<InetAddress> ownAddresses;
    private boolean synced;
    private boolean scheduled;
    private boolean running;
    private boolean fullWanted;
    private final CompletableFuture<OverlaySyncResult> first = new CompletableFuture<>();

    /** {@code engine} is asked for on the kernel thread (it is made there, once the kernel sockets are open). */
    public OverlayController(String self, Vertx vertx, Context context, Executor kernel, Supplier<OverlayEngine> engine) {
        this.self = self;
        this.vertx = vertx;
        this.context = context;
        this.kernel = kernel;
        this.engine = engine;
    }

    /** Observes every completed overlay sync, on the agent's context. */
    public void onSync(Consumer<OverlaySyncResult> listener) {
        listeners.add(listener);
    }

    /** Told, on the agent's context, when this node's addresses (InternalIP, else ExternalIP, per family) change. */
    public void onOwnAddresses(Consumer<List<InetAddress>> listener) {
        ownAddressListener = listener;
    }

    /**
     * Told, on the agent's context, when the set of every Node's addresses changes (the service proxy needs it:
     * an endpoint with a node's address is a hostNetwork pod, which cannot do DSR).
     */
    public void onClusterNodeAddresses(Consumer<Set<InetAddress>> listener) {
        clusterAddressListener = listener;
    }

    private void clusterAddressesMaybeChanged() {
        Set<InetAddress> all = new HashSet<>();
        for (Node n : nodes.values()) {
            all.addAll(NodeInfos.nodeAddresses(n));
        }
        if (!all.equals(clusterAddresses)) {
            clusterAddresses = Set.copyOf(all);
            clusterAddressListener.accept(clusterAddresses);
        }
    }

    /** The addresses the agent started with (read from this node's Node object before the informer ran). */
    public void ownAddressesKnown(List<InetAddress> addresses) {
        ownAddresses = List.copyOf(addresses);
    }

    /** Completes with the first (full) sync. */
    public CompletableFuture<OverlaySyncResult> firstSync() {
        return first;
    }

    public ResourceEventHandler<Node> handler() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                context.runOnContext(v -> put(n));
            }

            @Override
            public void onUpdate(Node oldNode, Node newNode) {
                context.runOnContext(v -> put(newNode));
            }

            @Override
            public void onDelete(Node n, boolean deletedFinalStateUnknown) {
                context.runOnContext(v -> {
                    nodes.remove(n.getMetadata().getName());
                    clusterAddressesMaybeChanged();
                    changed(n.getMetadata().getName());
                });
            }
        };
    }

    private void put(Node n) {
        String name = n.getMetadata().getName();
        nodes.put(name, n);
        if (name.equals(self)) {
            List<InetAddress> addresses = NodeInfos.nodeAddresses(n);
            if (ownAddresses != null && !addresses.equals(ownAddresses)) {
                LOG.info("overlay: this node's addresses changed to {}; every peer is planned again", addresses);
                ownAddressListener.accept(addresses);
            }
            ownAddresses = addresses;
        }
        clusterAddressesMaybeChanged();
        changed(name);
    }

    private void changed(String name) {
        if (name.equals(self)) {
            fullWanted = true; // local addresses (and so every tunnel's local end) may have changed
        } else {
            changed.add(name);
        }
        requestSync();
    }

    /** The Node informer has listed every Node: the first, full sync. Call on the agent's context. */
    public void informerSynced() {
        synced = true;
        fullWanted = true;
        requestSync();
    }

    /** A full sync that repairs drift (the periodic resync; callable from any thread). */
    public void requestFullSync() {
        context.runOnContext(v -> {
            fullWanted = true;
            requestSync();
        });
    }

    private void requestSync() {
        if (!synced || scheduled) {
            return;
        }
        scheduled = true;
        vertx.setTimer(COALESCE_MILLIS, id -> {
            scheduled = false;
            runSync();
        });
    }

    private void runSync() {
        if (running || (!fullWanted && changed.isEmpty())) {
            return;
        }
        running = true;
        CompletableFuture<OverlaySyncResult> work;
        if (fullWanted) {
            fullWanted = false;
            changed.clear();
            List<Node> all = new ArrayList<>(nodes.values());
            work = CompletableFuture.supplyAsync(() -> engine.get().fullSync(self, all), kernel);
        } else {
            Set<String> names = new HashSet<>(changed);
            changed.clear();
            Map<String, Node> subset = new HashMap<>();
            for (String n : names) {
                if (nodes.containsKey(n)) {
                    subset.put(n, nodes.get(n));
                }
            }
            work = CompletableFuture.supplyAsync(() -> engine.get().syncNodes(names, subset), kernel);
        }
        work.whenComplete((result, error) -> context.runOnContext(v -> finished(result, error)));
    }

    private void finished(OverlaySyncResult result, Throwable error) {
        running = false;
        if (error != null) {
            LOG.error("overlay sync failed, a full sync follows: {}", error.toString(), error);
            fullWanted = true;
        } else {
            LOG.info("overlay sync done full={} nodes={} writes={} tunnels={} direct_routes={} failed_nodes={} took_ms={}",
                    result.full(), result.nodesPlanned(), result.writes(), result.tunnels(), result.directRoutes(),
                    result.failedNodes(), result.elapsed().toMillis());
            if (result.failedNodes() > 0) {
                fullWanted = true;
            }
            listeners.forEach(l -> l.accept(result));
            if (result.full() && !first.isDone()) {
                first.complete(result);
            }
        }
        if (fullWanted || !changed.isEmpty()) {
            if (error != null) {
                vertx.setTimer(1000, id -> requestSync()); // no busy loop on a kernel that keeps refusing
            } else {
                requestSync();
            }
        }
    }

    /** This node's Node object as last seen (null before the informer delivered it). */
    public Node self() {
        return nodes.get(self);
    }
}
