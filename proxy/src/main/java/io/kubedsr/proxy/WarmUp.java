package io.kubedsr.proxy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceListBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.proxy.api.ApiClients;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.kernel.OfflineMessages;
import io.kubedsr.proxy.metrics.PrometheusText;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.NodeInfos;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftInputs;
import io.kubedsr.proxy.nft.NftRules;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.process.BlockedThreads;
import io.kubedsr.proxy.process.NettyDefaults;
import io.kubedsr.proxy.watch.ClusterModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

/**
 * {@code kube-dsr warm-up}: runs, on sample objects, what an agent's start runs that needs neither a cluster nor the
 * kernel, then exits: the flags, Vert.x (native transport) with an HTTP server and the health server, the API client
 * configured from a kubeconfig as {@code --kubeconfig} configures it (YAML and fabric8's kubeconfig model) and its
 * informers listing and watching a sample Service, EndpointSlice and Node served on the loopback (decoded as a start
 * decodes them), planning them and the IPVS diff of a first sync, the netlink messages that sync would send
 * (encoded and decoded back, with no socket: {@link OfflineMessages}), the nftables table, the metrics. The image
 * build runs it under {@code -XX:ArchiveClassesAtExit} to write the class-data-sharing archive bin/kube-dsr gives
 * every start, so that a node does not load and verify those ~6,000 classes from the jar again at each rolling
 * update (deploy/Dockerfile, docs/performance.md).
 */
final class WarmUp {
    private static final String NODE = "warm-up";
    private static final String NODE_IP = "192.0.2.1";

    private WarmUp() {
    }

    static int run() throws Exception {
        Path kubeconfig = Files.createTempFile("kube-dsr-warm-up", ".kubeconfig");
        try {
            return run(kubeconfig);
        } finally {
            Files.deleteIfExists(kubeconfig);
        }
    }

    private static int run(Path kubeconfig) throws Exception {
        NettyDefaults.apply();
        AgentConfig config = AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16", "--service-external-ip-range=198.51.100.0/24",
                "--health-port=0", "--kubeconfig=" + kubeconfig});
        Service service = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").withUid("1")
                .withResourceVersion("1").addToAnnotations("kube-router.io/service.dsr", "tunnel").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP("10.96.0.10").withClusterIPs("10.96.0.10")
                .withExternalIPs("198.51.100.10").addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(30080)
                .endPort().endSpec().build();
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-1").withUid("2")
                .withResourceVersion("1").addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244.1.2").withNodeName(NODE).withNewConditions().withReady(true).endConditions()
                .endEndpoint().build();
        Node node = new NodeBuilder().withNewMetadata().withName(NODE).withUid("3").withResourceVersion("1").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(NODE_IP).endAddress().endStatus().build();
        KubernetesSerialization json = new KubernetesSerialization();
        var version = new ListMetaBuilder().withResourceVersion("1").build();
        Map<String, Buffer> lists = Map.of(
                "/api/v1/services", Buffer.buffer(json.asJson(new ServiceListBuilder().withMetadata(version).addToItems(service).build())),
                "/apis/discovery.k8s.io/v1/endpointslices",
                Buffer.buffer(json.asJson(new EndpointSliceListBuilder().withMetadata(version).addToItems(slice).build())),
                "/api/v1/nodes", Buffer.buffer(json.asJson(new NodeListBuilder().withMetadata(version).addToItems(node).build())));

        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            BlockedThreads.of(vertx);
            HttpServer api = vertx.createHttpServer().webSocketHandler(ws -> {
                // a watch that sees no change
            }).requestHandler(req -> {
                Buffer body = lists.get(req.path());
                req.response().setStatusCode(body == null ? 404 : 200).putHeader("content-type", "application/json")
                        .end(body == null ? Buffer.buffer() : body);
            }).listen(0, "127.0.0.1").await();
            Files.writeString(kubeconfig, kubeconfigFor("http://127.0.0.1:" + api.actualPort()));
            Config apiConfig = Main.clientConfig(config); // as the agent reads --kubeconfig
            HealthServer health = new HealthServer(vertx, config.ipvsSyncPeriod(), Clock.systemUTC());
            health.listen("127.0.0.1", 0).await();
            try (KubernetesClient client = ApiClients.create(apiConfig, vertx)) {
                ApiAccess access = new ApiAccess(client); // the agent's calls, as a start makes them
                List<SharedIndexInformer<?>> informers = List.of(access.servicesInformer(), access.endpointSlicesInformer(),
                        access.nodesInformer());
                CompletableFuture.allOf(informers.stream().map(i -> i.start().toCompletableFuture()).toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                Service listed = access.listServices().get(0);
                informers.forEach(SharedIndexInformer::stop);
                plan(config, listed, slice, node);
            } finally {
                health.close().await();
            }
        } finally {
            vertx.close().await();
        }
        return 0;
    }

    /** A kubeconfig as a cluster's admin or a migration from kube-router gives one: a cluster, a user, a context. */
    private static String kubeconfigFor(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: warm-up
                  cluster:
                    server: %s
                users:
                - name: warm-up
                  user:
                    token: warm-up
                contexts:
                - name: warm-up
                  context:
                    cluster: warm-up
                    user: warm-up
                    namespace: default
                current-context: warm-up
                preferences: {}
                """.formatted(server);
    }

    private static void plan(AgentConfig config, Service service, EndpointSlice slice, Node node) {
        List<InetAddress> addresses = NodeInfos.nodeAddresses(node);
        ServicePlanner planner = new ServicePlanner(config, new NodeInfo(NODE, addresses, addresses), Set.copyOf(addresses)::contains);
        ServiceTable table = new ServiceTable(new DsrMarks());
        ClusterModel model = new ClusterModel();
        model.putService(service);
        model.putSlice(slice);
        ServiceRef ref = ClusterModel.refOf(service);
        table.put(planner.plan(model.service(ref).orElseThrow(), model.slices(ref)));
        // the IPVS diff of a fresh node's first full sync: nothing realized yet
        new IpvsPlanner(config.ipvsGracefulTermination(), config.ipvsGracefulPeriod())
                .plan(table.winners(), Map.of(), Map.of(), Instant.now());
        OfflineMessages.roundTrip(table); // its netlink messages, encoded and decoded: no socket, no kernel
        NftRules.render(NftInputs.of(config, table, table.vips(), 1500));
        PrometheusText out = new PrometheusText();
        new SyncMetrics().render(out);
    }
}
