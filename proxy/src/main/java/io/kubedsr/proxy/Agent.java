package io.kubedsr.proxy;

import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
import io.kubedsr.proxy.encap.EncapGuard;
import io.kubedsr.proxy.encap.ReceivePorts;
import io.kubedsr.proxy.events.EventRecorder;
import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.health.ListenAddresses;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SloppySysctls;
import io.kubedsr.proxy.kernel.Sysctls;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.kernel.UdpConntrackFlusher;
import io.kubedsr.proxy.metrics.IpvsServiceStats;
import io.kubedsr.proxy.metrics.MetricsServer;
import io.kubedsr.proxy.metrics.OverlayMetrics;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.NodeInfos;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.overlay.OverlayController;
import io.kubedsr.proxy.overlay.OverlayEngine;
import io.kubedsr.proxy.overlay.OverlaySettings;
import io.kubedsr.proxy.sync.ServiceSync;
import io.kubedsr.proxy.sync.SyncPolicy;
import io.kubedsr.proxy.sync.VertxTimers;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.NodeModel;
import io.kubedsr.tunnel.NodeTunnels;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The running agent, as wiring: informer handlers (fabric8's threads) hop onto the agent's Vert.x context and
 * record the object in the {@link ClusterModel} or {@link NodeModel}; the service side ({@link ServiceSync}) and
 * the overlay ({@link OverlayController}) each run one {@link io.kubedsr.proxy.sync.SyncLoop} whose syncs run on
 * the kernel thread with a snapshot. Nothing is written before the informers have synced; each side's first
 * sync is full and adopts the kernel state.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

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
    private final NodeModel nodes;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final HealthServer health;
    private final EventRecorder events;
    private final SyncMetrics syncMetrics = new SyncMetrics();
    private final OverlayMetrics overlayMetrics = new OverlayMetrics();
    private final HealthCheckNodePorts healthChecks;
    private final ServiceSync services;
    private final OverlayController overlay;
    private MetricsServer metrics;

    // Made and used on the kernel thread only.
    private SyncEngine engine;
    private OverlayEngine overlayEngine;
    private EncapGuard encapGuard;
    private IpvsClient ipvs;
    private Rtnetlink rtnl;
    private NetlinkConnection overlayGeneric;
    private UdpConntrackFlusher conntrackFlusher;
    /** The agent's own namespace when it programs that one (kernelNamespace null). */
    private NetworkNamespace ownNamespace;

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
        syncMetrics.caches().watch("events_posted", events::size);
        this.healthChecks = new HealthCheckNodePorts(vertx, List.of(), nodeName, health::healthy, this::report);
        this.nodes = new NodeModel(nodeName);
        VertxTimers timers = new VertxTimers(context);
        SyncPolicy policy = SyncPolicy.withPeriod(config.ipvsSyncPeriod());
        this.services = new ServiceSync(model, nodes, () -> engine, clock, timers, kernel, policy,
                new ServiceSync.Observers(syncMetrics, health, healthChecks, this::report));
        this.overlay = new OverlayController(nodes, timers, kernel, policy, () -> overlayEngine);
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

    /**
     * Reads this node, opens the kernel sockets, starts the informers; completes once the first full sync is done,
     * or fails when an informer could not list.
     */
    public CompletableFuture<SyncResult> start() {
        Node self = api.node(nodeName);
        List<InetAddress> addresses = self == null ? List.of() : NodeInfos.nodeAddresses(self);
        if (self == null) {
            LOG.warn("node={} not found in the API: NodePorts are served on no address until it is", nodeName);
        } else {
            context.runOnContext(v -> nodes.put(self)); // before any informer event: the context runs tasks in order
        }
        NodeInfo info = new NodeInfo(nodeName, addresses, addresses, self == null ? "" : NodeInfos.zone(self));
        healthChecks.listenOn(ListenAddresses.healthCheckNodePorts(config, addresses));
        CompletableFuture.runAsync(() -> openKernel(info), kernel).join();
        listen();
        SharedIndexInformer<Service> serviceInformer = api.servicesInformer();
        serviceInformer.addEventHandler(handler(s -> services.serviceChanged(model.putService(s)),
                s -> services.serviceChanged(model.removeService(s))));
        SharedIndexInformer<EndpointSlice> slices = api.endpointSlicesInformer();
        slices.addEventHandler(handler(e -> model.putSlice(e).ifPresent(services::serviceChanged),
                e -> model.removeSlice(e).ifPresent(services::serviceChanged)));
        SharedIndexInformer<Node> nodeInformer = api.nodesInformer();
        nodeInformer.addEventHandler(handler(n -> nodeChanged(nodes.put(n)), n -> nodeChanged(nodes.remove(n))));
        informers.addAll(List.of(serviceInformer, slices, nodeInformer));
        CompletableFuture<Void> nodesListed = nodeInformer.start().toCompletableFuture();
        nodesListed.thenRun(() -> context.runOnContext(v -> {
            overlay.informerSynced();
            Set<InetAddress> all = nodes.clusterAddresses();
            kernel.execute(() -> encapGuard.informerSynced(all));
        }));
        // The first service sync waits for the Node list too: the DSR receivers' guards need every node's address.
        CompletableFuture<Void> listed = CompletableFuture.allOf(serviceInformer.start().toCompletableFuture(),
                slices.start().toCompletableFuture(), nodesListed);
        listed.thenRun(() -> context.runOnContext(v -> services.informersSynced()));
        // A list that failed (refused by RBAC, say) stops its informer for good (fabric8): the start fails with it,
        // and Main exits so that the kubelet restarts the agent, instead of one that never syncs.
        return listed.thenCompose(v -> services.firstSync());
    }

    /** On the kernel thread: the sockets, the engines, the sysctls. */
    private void openKernel(NodeInfo info) {
        if (kernelNamespace != null) {
            ipvs = new IpvsClient(kernelNamespace.openConnection(NetlinkProtocol.GENERIC));
            rtnl = kernelNamespace.openRtnetlink();
            overlayGeneric = kernelNamespace.openConnection(NetlinkProtocol.GENERIC);
        } else {
            ipvs = IpvsClient.open();
            rtnl = Rtnetlink.open();
            overlayGeneric = NetlinkConnection.open(NetlinkProtocol.GENERIC);
            ownNamespace = NetworkNamespace.current();
        }
        NetworkNamespace nodeNs = kernelNamespace != null ? kernelNamespace : ownNamespace;
        conntrackFlusher = UdpConntrackFlusher.open(kernelNamespace);
        DsrPods pods = new DsrPods(PodNamespaces.standard(nodeNs.id()), nodeNs, config.sysctlDir());
        NftTable nft = new NftTable(kernelNamespace);
        // The receive ports are this agent's and those the agent before it listed (a port moved away from): the
        // overlay closes the ones nothing wants any more. Read before the first service sync rewrites the table.
        Set<Integer> managedPorts = new TreeSet<>(ReceivePorts.of(config));
        managedPorts.addAll(nft.guePorts());
        engine = new SyncEngine(config, new ServiceKernel(ipvs, rtnl, nft, pods, conntrackFlusher,
                new SloppySysctls(Sysctls.of(nodeNs, config.sysctlDir()))), clock);
        engine.start(info);
        overlayEngine = new OverlayEngine(OverlaySettings.from(config), ReceivePorts.node(config), managedPorts, rtnl,
                new NodeTunnels(rtnl, overlayGeneric));
        encapGuard = new EncapGuard(new NftTable(kernelNamespace, EncapGuardRules.NODE_TABLE), ReceivePorts.nodePortNumbers(config));
        IpvsSysctls.apply(nodeNs, config.sysctlDir());
    }

    private void listen() {
        if (config.healthPort() > 0) {
            health.listen(ListenAddresses.orWildcard(config.healthAddr(), config), config.healthPort()).onFailure(e -> LOG.error(
                    "health server could not listen on {}:{} ({}); /healthz probes will fail", config.healthAddr(),
                    config.healthPort(), e.getMessage()));
        }
        if (config.metricsPort() > 0) {
            metrics = new MetricsServer(vertx, config.metricsPath(), syncMetrics, overlayMetrics,
                    () -> CompletableFuture.supplyAsync(() -> IpvsServiceStats.read(ipvs, engine::desired), kernel), clock);
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
            kernel.execute(() -> encapGuard.nodesChanged(all));
        }
    }

    /** An informer handler that hops onto the agent's context: the models are only ever touched there. */
    private <T> ResourceEventHandler<T> handler(Consumer<T> upsert, Consumer<T> delete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                context.runOnContext(v -> upsert.accept(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                context.runOnContext(v -> upsert.accept(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                context.runOnContext(v -> delete.accept(obj));
            }
        };
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
            for (AutoCloseable c : new AutoCloseable[] {conntrackFlusher, ipvs, rtnl, overlayGeneric, ownNamespace}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception e) {
                    LOG.debug("closing {} failed: {}", c, e.toString());
                }
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
