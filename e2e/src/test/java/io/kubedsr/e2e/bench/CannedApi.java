package io.kubedsr.e2e.bench;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.ListMetaBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeList;
import io.fabric8.kubernetes.api.model.NodeListBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceList;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceListBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.netlink.IpPrefix;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;

/**
 * A stand-in API server for the start-up benchmark: the lists an agent's informers ask for (S ClusterIP Services,
 * each with a slice of 10 ready endpoints, and one Node), encoded once and served as they are, and watches that
 * stay open and quiet. Unlike fabric8's mock server it spends nothing per request, so in the emulated VM, whose one
 * CPU the agent shares with it, the agent's start is what is measured.
 */
final class CannedApi implements AutoCloseable {
    static final int ENDPOINTS = 10;

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;

    private CannedApi(InetAddress address, Buffer services, Buffer slices, Buffer nodes) {
        server = vertx.createHttpServer().webSocketHandler(ws -> {
            // a watch: nothing changes while the benchmark runs
        }).requestHandler(req -> {
            Buffer body = req.path().equals("/api/v1/services") ? services
                    : req.path().equals("/apis/discovery.k8s.io/v1/endpointslices") ? slices
                    : req.path().equals("/api/v1/nodes") ? nodes : null;
            if (req.method().name().equals("POST")) {
                req.body().onSuccess(b -> req.response().setStatusCode(201).putHeader("content-type", "application/json").end(b));
            } else if (body == null) {
                req.response().setStatusCode(404).end();
            } else {
                req.response().putHeader("content-type", "application/json").end(body);
            }
        }).listen(0, IpPrefix.format(address)).await();
    }

    /** Serves {@code services} Services (10.96.0.0/12) with 10 endpoints each, and the Node {@code node} at {@code nodeIp}. */
    static CannedApi serve(InetAddress address, int services, String node, String nodeIp) {
        KubernetesSerialization json = new KubernetesSerialization();
        List<Service> svcs = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            String name = "svc-" + i;
            String vip = "10." + (96 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
            svcs.add(new ServiceBuilder().withNewMetadata().withNamespace("bench").withName(name).withUid("svc-uid-" + i)
                    .withResourceVersion("1").withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                    .withNewSpec().withType("ClusterIP").withClusterIP(vip).withClusterIPs(vip)
                    .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec().build());
            List<Endpoint> eps = new ArrayList<>();
            for (int j = 0; j < ENDPOINTS; j++) {
                eps.add(new EndpointBuilder().withAddresses("10.244." + j + "." + (1 + i % 250)).withNewConditions().withReady(true)
                        .endConditions().build());
            }
            slices.add(new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName(name + "-1")
                    .withUid("slice-uid-" + i).withResourceVersion("1").addToLabels("kubernetes.io/service-name", name).endMetadata()
                    .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                    .withEndpoints(eps).build());
        }
        ListMeta version = new ListMetaBuilder().withResourceVersion("1").build();
        ServiceList serviceList = new ServiceListBuilder().withMetadata(version).withItems(svcs).build();
        EndpointSliceList sliceList = new EndpointSliceListBuilder().withMetadata(version).withItems(slices).build();
        NodeList nodes = new NodeListBuilder().withMetadata(version)
                .addToItems(new NodeBuilder().withNewMetadata().withName(node).withUid("node-uid").withResourceVersion("1").endMetadata()
                        .withNewStatus().addNewAddress().withType("InternalIP").withAddress(nodeIp).endAddress().endStatus().build())
                .build();
        return new CannedApi(address, Buffer.buffer(json.asJson(serviceList)), Buffer.buffer(json.asJson(sliceList)),
                Buffer.buffer(json.asJson(nodes)));
    }

    String url(InetAddress address) {
        return "http://" + IpPrefix.format(address) + ":" + server.actualPort() + "/";
    }

    @Override
    public void close() {
        vertx.close().await();
    }
}
