package io.kubedsr.e2e.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.netlink.TestNamespace;

/**
 * The cluster the crash and churn scenarios run against, and the node the agent programs: {@code services} ClusterIP
 * Services of {@code endpoints} endpoints each on other nodes (the first 20 NodePort), two DSR Services per local pod
 * (IPIP and GUE, each also with an endpoint on another node), {@code peers} other nodes to which the overlay builds
 * GUE tunnels; node1 is a namespace with eth0 192.168.1.1/24, its pods namespaces holding 10.244.1.10, .11, ...
 */
final class BigCluster {
    static final String NODE = "node1";
    /** The agent's flags: GUE tunnels to every node, DSR external IPs allowed, no /healthz. */
    static final List<String> FLAGS = List.of("--health-port=0", "--cluster-cidr=10.244.0.0/16",
            "--service-external-ip-range=198.51.100.0/24", "--overlay-type=full", "--overlay-encap=fou");

    record Size(int services, int endpoints, int dsrPods, int peers) {
        int dsrServices() {
            return 2 * dsrPods;
        }
    }

    private BigCluster() {
    }

    static String vip(int i) {
        return "10." + (96 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
    }

    static String podIp(int p) {
        return "10.244.1." + (10 + p);
    }

    /** Endpoint {@code j} of Service {@code i}, on node{@code 2 + j % peers}: the {@code generation}'th such set. */
    static String endpoint(int i, int j, int generation) {
        return "10.245." + ((j + generation * 10) & 0xFF) + "." + (1 + i % 250);
    }

    static Service service(int i) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace("bench").withName("svc-" + i).endMetadata()
                .withNewSpec().withType(i < 20 ? "NodePort" : "ClusterIP").withClusterIP(vip(i)).withClusterIPs(vip(i))
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(i < 20 ? 30000 + i : null).endPort()
                .endSpec();
        return b.build();
    }

    static EndpointSlice slice(int i, int endpoints, int generation) {
        List<Endpoint> eps = new ArrayList<>();
        for (int j = 0; j < endpoints; j++) {
            eps.add(new EndpointBuilder().withAddresses(endpoint(i, j, generation)).withNodeName("node2").withNewConditions()
                    .withReady(true).endConditions().build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName("svc-" + i + "-1")
                .withLabels(Map.of("kubernetes.io/service-name", "svc-" + i)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort().withEndpoints(eps).build();
    }

    /** DSR Service {@code k}: external IP 198.51.100.(10 + k), port 8081, IPIP for even k, GUE for odd. */
    static Service dsrService(int k) {
        return new ServiceBuilder().withNewMetadata().withNamespace("bench").withName("dsr-" + k)
                .withAnnotations(Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", k % 2 == 0 ? "ipip" : "gue"))
                .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("10.100.0." + (10 + k)).withClusterIPs("10.100.0." + (10 + k))
                .withExternalIPs("198.51.100." + (10 + k)).addNewPort().withName("http").withProtocol("TCP").withPort(8081).endPort()
                .endSpec().build();
    }

    /** DSR Service {@code k}'s endpoints: local pod {@code pod}, and one on node2. */
    static EndpointSlice dsrSlice(int k, int pod) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName("dsr-" + k + "-1")
                .withLabels(Map.of("kubernetes.io/service-name", "dsr-" + k)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8081).endPort()
                .addNewEndpoint().withAddresses(podIp(pod)).withNodeName(NODE).withNewConditions().withReady(true).endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.2.5").withNodeName("node2").withNewConditions().withReady(true).endConditions().endEndpoint()
                .build();
    }

    /** Creates the whole cluster in the API (four requests at a time: 20,000 objects are minutes one by one in the VM). */
    static void populate(KubernetesClient api, Size size) throws Exception {
        api.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().withNewSpec().withPodCIDR("10.244.1.0/24")
                .endSpec().withNewStatus().addNewAddress().withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build())
                .create();
        for (int n = 2; n < 2 + size.peers(); n++) {
            api.nodes().resource(new NodeBuilder().withNewMetadata().withName("node" + n).endMetadata().withNewSpec()
                    .withPodCIDR("10.244." + n + ".0/24").endSpec().withNewStatus().addNewAddress().withType("InternalIP")
                    .withAddress("192.168.2." + n).endAddress().endStatus().build()).create();
        }
        List<HasMetadata> objects = new ArrayList<>();
        for (int i = 0; i < size.services(); i++) {
            objects.add(service(i));
            objects.add(slice(i, size.endpoints(), 0));
        }
        for (int k = 0; k < size.dsrServices(); k++) {
            objects.add(dsrService(k));
            objects.add(dsrSlice(k, k / 2));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (HasMetadata o : objects) {
                done.add(pool.submit(() -> api.resource(o).create()));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** A fresh node1: eth0 (a dummy link) with 192.168.1.1/24, up. */
    static TestNamespace node() {
        TestNamespace node = TestNamespace.create();
        node.exec("ip", "link", "add", "eth0", "type", "dummy");
        node.exec("ip", "addr", "add", "192.168.1.1/24", "dev", "eth0");
        node.exec("ip", "link", "set", "eth0", "up");
        return node;
    }

    /** Node1's pods: each a namespace with lo up and eth0 (a dummy link) holding its IP, as a runtime makes them. */
    static List<TestNamespace> pods(int count) {
        List<TestNamespace> pods = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            TestNamespace pod = TestNamespace.create();
            pod.exec("ip", "link", "add", "eth0", "type", "dummy");
            pod.exec("ip", "addr", "add", podIp(p) + "/24", "dev", "eth0");
            pod.exec("ip", "link", "set", "eth0", "up");
            pods.add(pod);
        }
        return pods;
    }

    /**
     * What others keep on the node, which kube-dsr must never touch: keepalived's IPVS services (one on an address of
     * the node's, one fwmark service outside kube-dsr's mark range), a policy rule and its table, an nftables table,
     * an IPIP tunnel and a GUE port of someone else's.
     */
    static void foreignObjects(TestNamespace node) {
        node.exec("ip", "addr", "add", "192.168.1.100/24", "dev", "eth0");
        node.exec("ipvsadm", "-A", "-t", "192.168.1.100:80", "-s", "wlc");
        node.exec("ipvsadm", "-a", "-t", "192.168.1.100:80", "-r", "192.168.1.50:80", "-g", "-w", "1");
        node.exec("ipvsadm", "-A", "-f", "99999", "-s", "rr");
        node.exec("ip", "rule", "add", "priority", "100", "from", "10.9.9.0/24", "lookup", "200");
        node.exec("ip", "route", "add", "10.9.9.0/24", "dev", "eth0", "table", "200");
        node.exec("nft", "add table inet keepalived; add chain inet keepalived input { type filter hook input priority 0; policy accept; };"
                + " add rule inet keepalived input tcp dport 9999 counter accept");
        node.exec("ip", "link", "add", "foreign-tun", "type", "ipip", "remote", "203.0.113.1", "local", "192.168.1.1");
        node.exec("ip", "fou", "add", "port", "6666", "gue");
    }

    /** Text that shows each foreign object in a {@link io.kubedsr.e2e.lab.KernelDump}. */
    static final List<String> FOREIGN_MARKERS = List.of("-t 192.168.1.100:80 -s wlc", "-r 192.168.1.50:80", "-f 99999",
            "\"src\":\"10.9.9.0\"", "\"table\":\"200\"", "keepalived", "foreign-tun", "port 6666 gue");

    /** The lines of a {@link io.kubedsr.e2e.lab.KernelDump} that show the foreign objects. */
    static List<String> foreignLines(String dump) {
        return dump.lines().filter(l -> FOREIGN_MARKERS.stream().anyMatch(l::contains)).toList();
    }
}
