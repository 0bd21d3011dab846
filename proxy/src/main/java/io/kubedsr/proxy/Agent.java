package io.kubedsr.proxy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.PodNamespaces;
import io.kubedsr.proxy.events.EventRecorder;
import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.kernel.UdpConntrackFlusher;
import io.kubedsr.proxy.metrics.IpvsServiceStats;
import io.kubedsr.proxy.metrics.MetricsServer;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.overlay.OverlayController;
import io.kubedsr.proxy.overlay.OverlayEngine;
import io.kubedsr.proxy.overlay.OverlaySettings;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.NodeInfos;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.watch.ChangeTracker;
import io.kubedsr.proxy.watch.ClusterModel;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The running agent. Informer handlers (fabric8's threads) hop onto the agent's Vert.x context, record the
 * object in the {@link ClusterModel}, mark its Service changed and ask for a sync; syncs are coalesced and
 * run one at a time on the kernel thread, with a snapshot of the changed Services. Nothing is written
 * before every informer has synced; the first sync is a full resync that adopts the kernel state.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    private static final long COALESCE_MILLIS = 10;

    private final AgentConfig config;
    /** Every API call goes through it: ApiAccess is also the list the ClusterRole grants. */
    private final ApiAccess api;
    private final Vertx vertx;
    private final Context context;
    private final NetworkNamespace kernelNamespace;
    private final String nodeName;
    private final Clock clock = Clock.systemUTC();
    private final ExecutorService kernel = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kube-dsr-kernel");
        t.setDaemon(true);
        return t;
    });
    private final ClusterModel model = new ClusterModel();
    private final ChangeTracker tracker = new ChangeTracker();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final HealthServer health;
    private final EventRecorder events;
    private final List<Consumer<SyncResult>> syncListeners = new ArrayList<>();
    private final SyncMetrics syncMetrics = new SyncMetrics();
    private final HealthCheckNodePorts healthChecks;
    private MetricsServer metrics;
    private UdpConntrackFlusher conntrackFlusher;
    /** The sync on the kernel thread now: its kind and the Service changes it carries (with their times). */
    private SyncMetrics.Kind runningKind;
    private Map<ServiceRef, Instant> runningChanges = Map.of();

    private SyncEngine engine;
    private final OverlayController overlay;
    private OverlayEngine overlayEngine;
    private NetlinkConnection overlayGeneric;
    private IpvsClient ipvs;
    private Rtnetlink rtnl;
    private boolean synced;
    private boolean syncScheduled;
    private boolean syncRunning;
    private boolean fullResyncWanted;
    private boolean drainCheckWanted;
    private long drainTimer = -1;
    private long resyncTimer = -1;
    private long retryMillis;
    /** The start-up future while the first full sync has not succeeded yet. */
    private CompletableFuture<SyncResult> pendingFirst;

    /** {@code kernelNamespace} is where IPVS and links are programmed: the node's (null: this thread's). */
    public Agent(AgentConfig config, KubernetesClient client, Vertx vertx, String nodeName, NetworkNamespace kernelNamespace) {
        this.config = config;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.nodeName = nodeName;
        this.kernelNamespace = kernelNamespace;
        this.health = new HealthServer(vertx, config.ipvsSyncPeriod(), clock);
        this.api = new ApiAccess(client);
        this.events = new EventRecorder(api, nodeName);
        this.healthChecks = new HealthCheckNodePorts(vertx, config.enableIpv6() ? "::" : "0.0.0.0", nodeName, health::healthy,
                this::report);
        this.overlay = new OverlayController(nodeName, vertx, context, kernel, () -> overlayEngine);
        this.overlay.onOwnAddresses(this::ownAddressesChanged);
        this.overlay.onClusterNodeAddresses(this::clusterNodeAddressesChanged);
    }

    public HealthCheckNodePorts healthChecks() {
        return healthChecks;
    }

    public MetricsServer metrics() {
        return metrics;
    }

    /** The pod overlay (Node objects to tunnels and routes). */
    public OverlayController overlay() {
        return overlay;
    }

    /** Observes every completed sync (tests, metrics). Called on the agent's context. */
    public void onSync(Consumer<SyncResult> listener) {
        syncListeners.add(listener);
    }

    public HealthServer health() {
        return health;
    }

    /** Reads this node, opens the kernel sockets, starts the informers; completes once the first full sync is done. */
    public CompletableFuture<SyncResult> start() {
        Node node = api.node(nodeName);
        List<InetAddress> addresses = node == null ? List.of() : NodeInfos.nodeAddresses(node);
        if (node == null) {
            LOG.warn("node={} not found in the API: NodePorts are served on no address until it is", nodeName);
        }
        NodeInfo info = new NodeInfo(nodeName, addresses, addresses);
        overlay.ownAddressesKnown(addresses);
        CompletableFuture<SyncResult> first = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            if (kernelNamespace != null) {
                ipvs = new IpvsClient(kernelNamespace.openConnection(NetlinkProtocol.GENERIC));
                rtnl = kernelNamespace.openRtnetlink();
            } else {
                ipvs = IpvsClient.open();
                rtnl = Rtnetlink.open();
            }
            NetworkNamespace nodeNs = kernelNamespace != null ? kernelNamespace : NetworkNamespace.current();
            DsrPods pods = new DsrPods(PodNamespaces.standard(nodeNs.id()), nodeNs);
            engine = new SyncEngine(config, info, ipvs, rtnl, new NftTable(kernelNamespace), clock, pods);
            engine.start();
            conntrackFlusher = UdpConntrackFlusher.open(kernelNamespace);
            engine.setUdpConntrackFlusher(conntrackFlusher);
            overlayGeneric = kernelNamespace != null ? kernelNamespace.openConnection(NetlinkProtocol.GENERIC)
                    : NetlinkConnection.open(NetlinkProtocol.GENERIC);
            overlayEngine = new OverlayEngine(OverlaySettings.from(config), config.overlayEncapPort(), rtnl,
                    new NodeTunnels(rtnl, overlayGeneric));
            try (NetworkNamespace here = NetworkNamespace.current()) {
                IpvsSysctls.apply(kernelNamespace != null ? kernelNamespace : here);
            }
        }, kernel).join();
        if (config.healthPort() > 0) {
            health.listen(config.healthAddr(), config.healthPort()).onFailure(e -> LOG.error(
                    "health server could not listen on {}:{} ({}); /healthz probes will fail", config.healthAddr(),
                    config.healthPort(), e.getMessage()));
        }
        if (config.metricsPort() > 0) {
            metrics = new MetricsServer(vertx, config.metricsPath(), syncMetrics,
                    () -> CompletableFuture.supplyAsync(() -> IpvsServiceStats.read(ipvs, engine::desired), kernel), clock);
            metrics.listen(config.metricsAddr(), config.metricsPort()).onFailure(e -> LOG.error(
                    "metrics server could not listen on {}:{} ({})", config.metricsAddr(), config.metricsPort(), e.getMessage()));
        }
        SharedIndexInformer<Service> services = api.servicesInformer();
        services.addEventHandler(handler(s -> onContext(() -> tracker.changed(model.putService(s), clock.instant())),
                s -> onContext(() -> tracker.changed(model.removeService(s), clock.instant()))));
        SharedIndexInformer<EndpointSlice> slices = api.endpointSlicesInformer();
        slices.addEventHandler(handler(e -> onContext(() -> model.putSlice(e).ifPresent(r -> tracker.changed(r, clock.instant()))),
                e -> onContext(() -> model.removeSlice(e).ifPresent(r -> tracker.changed(r, clock.instant())))));
        informers.add(services);
        informers.add(slices);
        SharedIndexInformer<Node> nodes = api.nodesInformer();
        nodes.addEventHandler(overlay.handler());
        informers.add(nodes);
        nodes.start().toCompletableFuture().thenRun(() -> context.runOnContext(v -> overlay.informerSynced()));
        CompletableFuture.allOf(services.start().toCompletableFuture(), slices.start().toCompletableFuture())
                .thenRun(() -> onContext(() -> {
                    synced = true;
                    tracker.drain(); // the full resync covers everything listed so far
                    LOG.info("informers synced: services={} ; first full sync", model.services().size());
                    runFullResync(first);
                    resyncTimer = vertx.setPeriodic(config.ipvsSyncPeriod().toMillis(), id -> {
                        fullResyncWanted = true;
                        requestSync();
                        overlay.requestFullSync();
                    });
                }))
                .exceptionally(t -> {
                    first.completeExceptionally(t);
                    return null;
                });
        return first;
    }

    /**
     * Some Node's addresses changed: DSR's hostNetwork check uses them. Only a DSR Service can plan differently,
     * so a full resync follows only when there is one.
     */
    private void clusterNodeAddressesChanged(java.util.Set<InetAddress> addresses) {
        kernel.execute(() -> {
            engine.setClusterNodeAddresses(addresses);
            if (engine.hasDsrServices()) {
                context.runOnContext(v -> {
                    fullResyncWanted = true;
                    requestSync();
                });
            }
        });
    }

    /** This node's Node object has new addresses (on the context): NodePorts follow with a full resync. */
    private void ownAddressesChanged(List<InetAddress> addresses) {
        NodeInfo info = new NodeInfo(nodeName, addresses, addresses);
        kernel.execute(() -> engine.nodeChanged(info)); // the kernel thread runs tasks in order: before the resync
        fullResyncWanted = true;
        requestSync();
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                upsert.accept(obj);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                upsert.accept(newObj);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                delete.accept(obj);
            }
        };
    }

    /** Runs on the agent's context: the model is only ever touched there. */
    private void onContext(Runnable r) {
        context.runOnContext(v -> {
            r.run();
            requestSync();
        });
    }

    private void requestSync() {
        if (!synced || syncScheduled) {
            return;
        }
        syncScheduled = true;
        vertx.setTimer(COALESCE_MILLIS, id -> {
            syncScheduled = false;
            runSync();
        });
    }

    private void runSync() {
        if (syncRunning) {
            return; // the running sync asks again when it ends
        }
        if (fullResyncWanted) {
            fullResyncWanted = false;
            runFullResync(null, tracker.drain());
            return;
        }
        if (tracker.isEmpty()) {
            if (drainCheckWanted) {
                drainCheckWanted = false;
                onKernel(SyncMetrics.Kind.DRAIN, Map.of(), engine::refreshDraining, null);
            }
            return;
        }
        Map<ServiceRef, Instant> changed = tracker.drain();
        ClusterModel snapshot = model.subset(changed.keySet());
        onKernel(SyncMetrics.Kind.INCREMENTAL, changed, () -> engine.syncServices(changed.keySet(), snapshot), null);
    }

    private void runFullResync(CompletableFuture<SyncResult> first) {
        runFullResync(first, Map.of());
    }

    private void runFullResync(CompletableFuture<SyncResult> first, Map<ServiceRef, Instant> changes) {
        ClusterModel snapshot = model.copy();
        onKernel(SyncMetrics.Kind.FULL, changes, () -> engine.fullResync(snapshot), first);
    }

    /** Runs one sync on the kernel thread and comes back to the agent's context with its result. */
    private void onKernel(SyncMetrics.Kind kind, Map<ServiceRef, Instant> changes, java.util.function.Supplier<SyncResult> sync,
            CompletableFuture<SyncResult> first) {
        syncRunning = true;
        runningKind = kind;
        runningChanges = changes;
        CompletableFuture.supplyAsync(() -> new Written(sync.get(), clock.instant()), kernel)
                .whenComplete((w, error) -> context.runOnContext(v -> finished(w, error, first)));
    }

    /** A sync's result and when its kernel write ended (the end of network programming). */
    private record Written(SyncResult result, Instant at) {
    }

    private void finished(Written written, Throwable error, CompletableFuture<SyncResult> first) {
        syncRunning = false;
        SyncResult result = written == null ? null : written.result();
        if (runningKind == SyncMetrics.Kind.FULL) {
            healthChecks.syncAll(model);
        } else if (runningKind == SyncMetrics.Kind.INCREMENTAL) {
            healthChecks.sync(runningChanges.keySet(), model);
        }
        if (error != null) {
            syncMetrics.failed();
        } else {
            syncMetrics.synced(runningKind, result, runningChanges.values(), written.at());
        }
        runningChanges = Map.of();
        if (error != null) {
            // Retried as a full resync after a growing pause (0.5 s doubling to 30 s), so a kernel or nftables
            // error that persists is retried without spinning; the first-sync future waits for a success.
            retryMillis = retryMillis == 0 ? 500 : Math.min(retryMillis * 2, 30_000);
            LOG.error("sync failed, a full resync follows in {} ms: {}", retryMillis, error.toString(), error);
            fullResyncWanted = true;
            pendingFirst = first != null ? first : pendingFirst;
            vertx.setTimer(retryMillis, id -> requestSync());
            return;
        } else {
            retryMillis = 0;
            if (first == null && pendingFirst != null) {
                first = pendingFirst;
            }
            pendingFirst = null;
            health.syncCompleted(clock.instant());
            LOG.info("sync done ipvs_ops={} address_ops={} failures={} took_ms={}", result.ipvsOperations(),
                    result.addressOperations(), result.failures().size(), result.elapsed().toMillis());
            if (!result.failures().isEmpty()) {
                fullResyncWanted = true;
            }
            result.problems().forEach(this::report);
            syncListeners.forEach(l -> l.accept(result));
            if (result.draining() > 0 && drainTimer < 0) {
                // Graceful termination: look at the draining real servers' connections again in a second.
                drainTimer = vertx.setTimer(1000, id -> {
                    drainTimer = -1;
                    drainCheckWanted = true;
                    requestSync();
                });
            }
            if (first != null) {
                first.complete(result);
            }
        }
        if (!tracker.isEmpty() || fullResyncWanted || drainCheckWanted) {
            requestSync();
        }
    }

    /** Logs and posts a Service problem as an Event, off the event loop. */
    private void report(Problem p) {
        vertx.executeBlocking(() -> {
            events.record(p);
            return null;
        }, false);
    }

    @Override
    public void close() {
        if (resyncTimer >= 0) {
            vertx.cancelTimer(resyncTimer);
        }
        informers.forEach(SharedIndexInformer::stop);
        health.close();
        healthChecks.close();
        if (metrics != null) {
            metrics.close();
        }
        kernel.submit(() -> {
            if (conntrackFlusher != null) {
                conntrackFlusher.close();
            }
            if (ipvs != null) {
                ipvs.close();
            }
            if (rtnl != null) {
                rtnl.close();
            }
            if (overlayGeneric != null) {
                overlayGeneric.close();
            }
        });
        kernel.shutdown();
        try {
            kernel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
