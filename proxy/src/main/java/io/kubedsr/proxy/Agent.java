package io.kubedsr.proxy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.events.EventRecorder;
import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.health.ListenAddresses;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.metrics.IpvsServiceStats;
import io.kubedsr.proxy.metrics.MetricsServer;
import io.kubedsr.proxy.metrics.OverlayMetrics;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.overlay.OverlayController;
import io.kubedsr.proxy.process.AgentStartup;
import io.kubedsr.proxy.process.BlockedThreads;
import io.kubedsr.proxy.process.Causes;
import io.kubedsr.proxy.sync.ServiceSync;
import io.kubedsr.proxy.sync.SyncPolicy;
import io.kubedsr.proxy.sync.VertxTimers;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ListedKeys;
import io.kubedsr.proxy.watch.NodeModel;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The running agent, as wiring: informer handlers (fabric8's threads) hop onto the agent's Vert.x context and
 * record the object in the {@link ClusterModel} or {@link NodeModel}; the service side ({@link ServiceSync}) and
 * the overlay ({@link OverlayController}) each run one {@link io.kubedsr.proxy.sync.SyncLoop} whose syncs run on
 * the kernel thread with a snapshot. Nothing is written before the informers have synced and the kernel is open;
 * each side's first sync is full and adopts the kernel state. No call blocks its caller: {@link #start} returns
 * at once, the kernel opens on the kernel thread while the informers list. When something the agent cannot run
 * without fails after the start (its kernel thread, a task of its context), {@link #failure()} completes.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
    /** How often the start checks whether the listed objects' notifications have all reached the model. */
    private static final Duration ARRIVAL_CHECK = Duration.ofMillis(5);
    private static final Duration ARRIVAL_LOG_EVERY = Duration.ofSeconds(5);

    private final AgentConfig config;
    /** Every API call goes through it: ApiAccess is also the list the ClusterRole grants. */
    private final ApiAccess api;
    private final Vertx vertx;
    private final Context context;
    private final VertxTimers timers;
    private final Supplier<NodeKernel> kernelOpener;
    private final String nodeName;
    private final Clock clock = Clock.systemUTC();
    private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
    private final ExecutorService kernel = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kube-dsr-kernel");
        t.setDaemon(true);
        t.setUncaughtExceptionHandler((thread, e) -> failed("the kernel thread died", e));
        return t;
    });
    private final ClusterModel model = new ClusterModel();
    private final NodeModel nodes;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final HealthServer health;
    private final EventRecorder events;
    private final SyncMetrics syncMetrics = new SyncMetrics();
    private final BlockedThreads blockedThreads;
    private final OverlayMetrics overlayMetrics = new OverlayMetrics();
    private final HealthCheckNodePorts healthChecks;
    private final ServiceSync services;
    private final OverlayController overlay;
    private volatile boolean closing;
    private volatile AgentStartup startup;
    private MetricsServer metrics;

    // Made and used on the kernel thread only.
    private NodeKernel nodeKernel;
    private SyncEngine engine;

    /** {@code kernelNamespace} is where IPVS and links are programmed: the node's (null: the agent's own). */
    public Agent(AgentConfig config, KubernetesClient client, Vertx vertx, String nodeName, NetworkNamespace kernelNamespace) {
        this(config, client, vertx, nodeName, () -> NetlinkNodeKernel.open(config, kernelNamespace));
    }

    /** {@code kernelOpener} opens the node's kernel; it is called once, on the kernel thread. */
    public Agent(AgentConfig config, KubernetesClient client, Vertx vertx, String nodeName, Supplier<NodeKernel> kernelOpener) {
        this.config = config;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.kernelOpener = kernelOpener;
        this.nodeName = nodeName;
        // Every task of this context guards what may fail on one object; an exception that gets here is a defect
        // that may have left a sync loop stopped: the agent cannot be trusted to go on.
        context.exceptionHandler(e -> failed("a task on the agent's event loop failed", e));
        this.blockedThreads = BlockedThreads.of(vertx);
        this.health = new HealthServer(vertx, config.ipvsSyncPeriod(), clock);
        this.api = new ApiAccess(client);
        this.events = new EventRecorder(api, nodeName);
        syncMetrics.caches().watch("events_posted", events::size);
        this.healthChecks = new HealthCheckNodePorts(vertx, List.of(), nodeName, health::healthy, this::report);
        this.nodes = new NodeModel(nodeName);
        this.timers = new VertxTimers(context);
        SyncPolicy policy = SyncPolicy.withPeriod(config.ipvsSyncPeriod());
        this.services = new ServiceSync(model, nodes, () -> engine, clock, timers, kernel, policy,
                new ServiceSync.Observers(syncMetrics, health, healthChecks, this::report));
        this.overlay = new OverlayController(nodes, timers, kernel, policy, () -> nodeKernel.overlay());
        this.overlay.onSync(overlayMetrics::synced);
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

    /** Observes every completed service sync (tests). Called on the agent's context. */
    public void onSync(Consumer<SyncResult> listener) {
        services.onSync(listener);
    }

    public HealthServer health() {
        return health;
    }

    /** How the start went, once the first full sync is done (null before). */
    public AgentStartup startup() {
        return startup;
    }

    /**
     * Completes with what ended the agent after a good start: its kernel thread died, or a task on its context
     * failed past every guard. Main ends the process then, and the kubelet starts another.
     */
    public CompletableFuture<Throwable> failure() {
        return failure;
    }

    /**
     * Opens the kernel (on the kernel thread), starts the health and metrics servers and the informers, and
     * returns at once. The future completes once the first full sync is done, or fails with what stopped the
     * start: the kernel could not be opened, or an informer could not list: refused (RBAC, say: fabric8 stops that
     * informer for good), or no answer after {@link NoAnswer#ATTEMPTS} tries. Main then exits so that the kubelet
     * restarts the agent, instead of one that never syncs.
     */
    public CompletableFuture<SyncResult> start() {
        long t0 = System.nanoTime();
        CompletableFuture<Duration> kernelOpened = CompletableFuture.supplyAsync(this::openKernel, kernel);
        listen();
        SharedIndexInformer<Service> serviceInformer = api.servicesInformer();
        serviceInformer.addEventHandler(handler("Service", s -> {
            if (!model.holds(s)) {
                services.serviceChanged(model.putService(s));
            }
        }, s -> services.serviceChanged(model.removeService(s))));
        SharedIndexInformer<EndpointSlice> slices = api.endpointSlicesInformer();
        slices.addEventHandler(handler("EndpointSlice", e -> {
            if (!model.holds(e)) {
                model.putSlice(e).forEach(services::serviceChanged);
            }
        }, e -> model.removeSlice(e).forEach(services::serviceChanged)));
        SharedIndexInformer<Node> nodeInformer = api.nodesInformer();
        nodeInformer.addEventHandler(handler("Node", n -> {
            if (!nodes.holds(n)) {
                nodeChanged(nodes.put(n));
            }
        }, n -> nodeChanged(nodes.remove(n))));
        informers.addAll(List.of(serviceInformer, slices, nodeInformer));
        CompletableFuture<Duration> listed = CompletableFuture.allOf(synced(serviceInformer, "Services"),
                        synced(slices, "EndpointSlices"), synced(nodeInformer, "Nodes"))
                .thenCompose(v -> recorded(serviceInformer, slices, nodeInformer))
                .thenApply(v -> Duration.ofNanos(System.nanoTime() - t0));
        CompletableFuture<SyncResult> ready = new CompletableFuture<>();
        listed.thenAcceptBoth(kernelOpened, (apiList, kernelOpen) -> context.runOnContext(v -> {
            int count = model.services().size();
            if (nodes.self() == null) {
                LOG.warn("node={} not found in the API: NodePorts are served on no address, and the overlay waits, until it is", nodeName);
            }
            healthChecks.listenOn(ListenAddresses.healthCheckNodePorts(config, nodes.selfInfo().addresses()));
            Set<InetAddress> all = nodes.clusterAddresses();
            kernel.execute(() -> nodeKernel.encapGuard().informerSynced(all));
            services.firstSync().thenAccept(first -> startup = new AgentStartup(apiList, kernelOpen, first,
                    Duration.ofNanos(System.nanoTime() - t0), count));
            overlay.informerSynced();
            services.informersSynced();
        })).exceptionally(e -> {
            ready.completeExceptionally(Causes.unwrap(e));
            return null;
        });
        services.firstSync().thenAccept(ready::complete);
        return ready.thenApplyAsync(r -> r); // callers' stages never run on the agent's event loop
    }

    /**
     * Once the informers have listed: completes, on the agent's context, when the models hold what they listed. The
     * handlers' notifications of the list may still be on their way here (fabric8 hands them to its own threads).
     * Nodes are kept whole by their informer's store, so the listed Nodes are taken from it (a notification arriving
     * later for a version the model holds is a repeat and changes nothing); the Services' and EndpointSlices' stores
     * hold stubs, never to be put in the model, so their notifications are awaited ({@link ListedKeys}).
     */
    private CompletableFuture<Void> recorded(SharedIndexInformer<Service> serviceInformer, SharedIndexInformer<EndpointSlice> slices,
            SharedIndexInformer<Node> nodeInformer) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        context.runOnContext(v -> {
            try {
                for (Node n : nodeInformer.getStore().list()) {
                    if (!nodes.holds(n)) {
                        nodes.put(n);
                    }
                }
                awaitArrival(List.of(listedKeys("Services", serviceInformer, model::hasService),
                        listedKeys("EndpointSlices", slices, model::hasSlice)), System.nanoTime(), done);
            } catch (RuntimeException e) {
                done.completeExceptionally(new IllegalStateException("recording the listed objects failed: " + e, e));
            }
        });
        return done;
    }

    private static ListedKeys listedKeys(String what, SharedIndexInformer<?> informer, Predicate<String> inModel) {
        return new ListedKeys(what, informer.getStore().listKeys(), inModel, k -> informer.getStore().getByKey(k) != null);
    }

    /** On the context: completes {@code done} once every listed key has arrived, checking again every few ms. */
    private void awaitArrival(List<ListedKeys> awaited, long since, CompletableFuture<Void> done) {
        boolean all = true;
        for (ListedKeys k : awaited) {
            all &= k.arrived();
        }
        if (all) {
            done.complete(null);
            return;
        }
        long from = since;
        if (System.nanoTime() - since > ARRIVAL_LOG_EVERY.toNanos()) {
            LOG.info("listed objects still on their way to the model: {}", awaited);
            from = System.nanoTime();
        }
        long next = from;
        timers.later(ARRIVAL_CHECK, () -> awaitArrival(awaited, next, done));
    }

    /** On the kernel thread: the kernel, the service engine (kube-dummy-if, IPVS timeouts); returns the time it took. */
    private Duration openKernel() {
        long t0 = System.nanoTime();
        try {
            nodeKernel = kernelOpener.get();
            engine = new SyncEngine(config, nodeKernel.services(), clock);
            engine.start(new NodeInfo(nodeName, List.of(), List.of())); // the node's addresses come with the first sync
        } catch (NetlinkException e) {
            throw new IllegalStateException("opening the node's kernel failed: " + e.getMessage()
                    + (e.errno() == Errno.EPERM ? " (the agent needs CAP_NET_ADMIN; deploy/ lists its capabilities)" : ""), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("opening the node's kernel failed: " + e.getMessage(), e);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** An informer's start as a future that fails with a message naming what could not be listed. */
    private static CompletableFuture<Void> synced(SharedIndexInformer<?> informer, String what) {
        return informer.start().toCompletableFuture().handle((v, e) -> {
            if (e != null) {
                Throwable cause = Causes.unwrap(e);
                throw new CompletionException(new IllegalStateException("listing " + what + " failed: " + cause.getMessage(), cause));
            }
            return null;
        });
    }

    private void listen() {
        if (config.healthPort() > 0) {
            health.listen(ListenAddresses.orWildcard(config.healthAddr(), config), config.healthPort()).onFailure(e -> LOG.error(
                    "health server could not listen on {}:{} ({}); /healthz probes will fail", config.healthAddr(),
                    config.healthPort(), e.getMessage()));
        }
        if (config.metricsPort() > 0) {
            metrics = new MetricsServer(vertx, config.metricsPath(), out -> {
                syncMetrics.render(out);
                overlayMetrics.render(out);
                blockedThreads.render(out);
            }, () -> CompletableFuture.supplyAsync(() -> engine == null ? IpvsServiceStats.EMPTY
                    : IpvsServiceStats.read(nodeKernel.services().ipvs(), engine::desired), kernel), clock);
            metrics.listen(ListenAddresses.orWildcard(config.metricsAddr(), config), config.metricsPort()).onFailure(e -> LOG.error(
                    "metrics server could not listen on {}:{} ({})", config.metricsAddr(), config.metricsPort(), e.getMessage()));
        }
    }

    private void nodeChanged(NodeModel.Change change) {
        overlay.nodeChanged(change);
        services.nodeChanged(change);
        if (change.selfAddresses()) {
            healthChecks.listenOn(ListenAddresses.healthCheckNodePorts(config, nodes.selfInfo().addresses()));
        }
        if (change.clusterAddresses()) {
            Set<InetAddress> all = nodes.clusterAddresses();
            kernel.execute(() -> {
                if (nodeKernel != null) { // opening the kernel is the kernel thread's first task; it failed if null
                    nodeKernel.encapGuard().nodesChanged(all);
                }
            });
        }
    }

    /**
     * An informer handler that hops onto the agent's context: the models are only ever touched there. One object
     * that cannot be recorded is logged and skipped; the others are recorded as usual.
     */
    private <T extends HasMetadata> ResourceEventHandler<T> handler(String kind, Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                onContext(kind, obj, upsert);
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                onContext(kind, newObj, upsert);
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                onContext(kind, obj, delete);
            }
        };
    }

    private <T extends HasMetadata> void onContext(String kind, T obj, Consumer<T> action) {
        context.runOnContext(v -> {
            try {
                action.accept(obj);
            } catch (RuntimeException e) {
                LOG.error("{} {}/{} could not be recorded; it is skipped", kind, obj.getMetadata().getNamespace(),
                        obj.getMetadata().getName(), e);
            }
        });
    }

    /** Logs and posts a Service problem as an Event, off the event loop. */
    private void report(Problem p) {
        vertx.executeBlocking(() -> {
            events.record(p);
            return null;
        }, false);
    }

    private void failed(String what, Throwable e) {
        if (closing) {
            return;
        }
        LOG.error("{}: {}", what, e.toString(), e);
        failure.complete(new IllegalStateException(what + ": " + e, e));
    }

    /** Stops the informers, the servers and the loops, and closes the kernel; a second call does nothing. */
    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        context.runOnContext(v -> {
            services.stop();
            overlay.stop();
        });
        informers.forEach(SharedIndexInformer::stop);
        health.close();
        healthChecks.close();
        if (metrics != null) {
            metrics.close();
        }
        kernel.submit(() -> {
            if (nodeKernel != null) {
                nodeKernel.close();
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
