package io.kubedsr.proxy.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * The benchmarks' cluster: Service {@code i} is a ClusterIP Service {@code bench/svc-i} on 10.96.0.0/12 (port 80/TCP
 * to 8080), its one EndpointSlice lists E ready pods on three nodes. The objects carry what an API server's do (uid,
 * resourceVersion, creation time, labels, owner, the slice controller's labels and trigger time, each endpoint's
 * pod reference, node and zone; no managed fields), so what the agent keeps of them is measured against realistic
 * input, and they are built afresh for each use: nothing here holds them.
 */
final class BenchObjects {
    static final int PORT = 80;
    static final int TARGET_PORT = 8080;

    private BenchObjects() {
    }

    /** This node: node1, 192.168.1.1 (the benchmarks give their namespace that address). */
    static NodeInfo node() {
        return new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.1")), List.of());
    }

    static ServiceRef ref(int i) {
        return new ServiceRef("bench", "svc-" + i);
    }

    static String vip(int i) {
        return "10." + (96 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
    }

    /** Endpoint j of Service i (10.244.j.(1 + i % 250)); j >= 1000 gives the extra endpoints of the churn. */
    static String endpoint(int i, int j) {
        return j < 1000 ? "10.244." + j + "." + (1 + i % 250) : "10.245." + (j - 1000) % 250 + "." + (1 + i % 250);
    }

    static Service service(int i) {
        String name = "svc-" + i;
        return new ServiceBuilder().withNewMetadata().withNamespace("bench").withName(name)
                .withUid(new UUID(1, i).toString()).withResourceVersion(String.valueOf(1000 + i))
                .withCreationTimestamp("2026-01-01T00:00:00Z").withLabels(Map.of("app", name)).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(vip(i)).withClusterIPs(vip(i)).withIpFamilies("IPv4")
                .withIpFamilyPolicy("SingleStack").withSessionAffinity("None").withInternalTrafficPolicy("Cluster")
                .withSelector(Map.of("app", name)).addNewPort().withName("http").withProtocol("TCP").withPort(PORT)
                .withNewTargetPort(TARGET_PORT).endPort().endSpec().withNewStatus().withNewLoadBalancer().endLoadBalancer()
                .endStatus().build();
    }

    /** Service i's slice with the endpoints {@code js} (see {@link #endpoint}); {@code version} its resourceVersion. */
    static EndpointSlice slice(int i, List<Integer> js, long version, String triggerTime) {
        String name = "svc-" + i;
        List<Endpoint> eps = new ArrayList<>();
        for (int j : js) {
            String node = "node-" + (j % 3);
            eps.add(new EndpointBuilder().withAddresses(endpoint(i, j)).withNewConditions().withReady(true).withServing(true)
                    .withTerminating(false).endConditions().withNodeName(node).withZone("zone-" + (j % 3))
                    .withNewTargetRef().withKind("Pod").withNamespace("bench").withName(name + "-" + j)
                    .withUid(new UUID(2, ((long) i << 20) + j).toString()).endTargetRef().build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName(name + "-x7k2p")
                .withGenerateName(name + "-").withUid(new UUID(3, i).toString()).withResourceVersion(String.valueOf(version))
                .withCreationTimestamp("2026-01-01T00:00:00Z")
                .withLabels(Map.of(Annotations.LABEL_SERVICE_NAME, name, "endpointslice.kubernetes.io/managed-by",
                        "endpointslice-controller.k8s.io", "app", name))
                .withAnnotations(Map.of("endpoints.kubernetes.io/last-change-trigger-time", triggerTime))
                .addNewOwnerReference().withApiVersion("v1").withKind("Service").withName(name).withUid(new UUID(1, i).toString())
                .withController(true).withBlockOwnerDeletion(true).endOwnerReference().endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(TARGET_PORT).endPort()
                .withEndpoints(eps).build();
    }

    /** Service i's slice with its first {@code n} endpoints. */
    static EndpointSlice slice(int i, int n) {
        List<Integer> js = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            js.add(j);
        }
        return slice(i, js, 2000 + i, "2026-01-01T00:00:00Z");
    }

    /** The ipvsadm -R rules of Service i with n endpoints (masquerade, weight 1, rr). */
    static void ipvsadmRules(StringBuilder out, int i, int n) {
        out.append("-A -t ").append(vip(i)).append(':').append(PORT).append(" -s rr\n");
        for (int j = 0; j < n; j++) {
            out.append("-a -t ").append(vip(i)).append(':').append(PORT).append(" -r ").append(endpoint(i, j)).append(':')
                    .append(TARGET_PORT).append(" -m -w 1\n");
        }
    }
}
