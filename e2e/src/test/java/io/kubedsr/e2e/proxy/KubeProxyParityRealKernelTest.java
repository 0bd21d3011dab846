package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.PodNamespaces;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * kube-proxy's behaviours that involve the kernel, with the sync engine of node1 (and node2's for DSR receivers)
 * driven with Service and EndpointSlice objects in {@link DualStackServiceLab}: loadBalancerSourceRanges admit an
 * allowed client and drop another in both families, for a DSR LoadBalancer IP too; externalTrafficPolicy Local on a
 * node without a local endpoint serves its pods and itself from the cluster's endpoints but not outside clients;
 * zone hints pick this node's zone's endpoints; a single-stack Service gets no NodePort in the other family.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 300)
class KubeProxyParityRealKernelTest {
    private static final List<String> FLAGS = List.of("--cluster-cidr=10.244.0.0/16,fd00:244::/32", "--enable-ipv6=true",
            "--service-cluster-ip-range=10.96.0.0/12,fd00:96::/108", "--loadbalancer-ip-range=203.0.113.0/24,2001:db8:b::/64",
            "--overlay-encap=ipip");
    private static final NodeInfo NODE1 = node("node1", 1, "zone-a");
    private DualStackServiceLab lab;
    private final List<AutoCloseable> sockets = new ArrayList<>();
    private final ClusterModel model = new ClusterModel();

    @BeforeEach
    void setUp() throws Exception {
        lab = new DualStackServiceLab();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable s : sockets) {
            s.close();
        }
        lab.close();
    }

    private static NodeInfo node(String name, int n, String zone) {
        List<java.net.InetAddress> addresses = List.of(IpPrefix.parseAddress("192.168.1." + n), IpPrefix.parseAddress("fd00:1::" + n));
        return new NodeInfo(name, addresses, addresses, zone);
    }

    /** The sync engine of a node of the lab, as the agent builds it. */
    private SyncEngine engine(TestNamespace node, NodeInfo info, PodReceivers pods) {
        IpvsSysctls.apply(node.namespace(), SysctlDirectory.PROC);
        IpvsClient ipvs = new IpvsClient(node.namespace().openConnection(NetlinkProtocol.GENERIC));
        Rtnetlink rtnl = node.namespace().openRtnetlink();
        sockets.add(ipvs);
        sockets.add(rtnl);
        SyncEngine engine = new SyncEngine(AgentFlags.parse(FLAGS.toArray(String[]::new)),
                new ServiceKernel(ipvs, rtnl, new io.kubedsr.proxy.nft.NftTable(node.namespace()), pods, UdpConntrack.NONE),
                Clock.systemUTC());
        engine.start(info);
        return engine;
    }

    private SyncEngine node1() {
        return engine(lab.v4.node1, NODE1, PodReceivers.NONE);
    }

    private ServiceSnapshot snapshot(NodeInfo node) {
        return new ServiceSnapshot(model, node, Set.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("192.168.1.2")));
    }

    private static ServiceBuilder loadBalancer(String name, String clusterIp, String clusterIp6, int nodePort, String... ingress) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP(clusterIp).endSpec();
        if (clusterIp6 == null) {
            b.editSpec().withClusterIPs(clusterIp).withIpFamilies("IPv4").endSpec();
        } else {
            b.editSpec().withClusterIPs(clusterIp, clusterIp6).withIpFamilies("IPv4", "IPv6").endSpec();
        }
        b.editSpec().addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(nodePort).endPort().endSpec();
        b.withNewStatus().withNewLoadBalancer().endLoadBalancer().endStatus();
        for (String ip : ingress) {
            b.editStatus().editLoadBalancer().addNewIngress().withIp(ip).endIngress().endLoadBalancer().endStatus();
        }
        return b;
    }

    /** The Service's slice of one family: ready endpoints serving port 80, on node1 or node2 by their address. */
    private static EndpointSlice slice(String service, boolean ipv6, String... addresses) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String a : addresses) {
            endpoints.add(new EndpointBuilder().withAddresses(a).withNewConditions().withReady(true).endConditions()
                    .withNodeName(a.startsWith("10.244.1.") || a.startsWith("fd00:244:1:") ? "node1" : "node2").build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(service + (ipv6 ? "-v6" : "-v4"))
                .withLabels(Map.of("kubernetes.io/service-name", service)).endMetadata().withAddressType(ipv6 ? "IPv6" : "IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().withEndpoints(endpoints).build();
    }

    private static String get(TestNamespace from, String url) {
        return DualStackServiceLab.get(from, url);
    }

    /**
     * The defect: loadBalancerSourceRanges were ignored. Now the LoadBalancer IPs answer a client in the ranges and
     * drop one outside them, in both families; the node and its pods are outside too (as in kube-proxy they must
     * be in the ranges); the NodePort stays open to all (kube-proxy does not restrict NodePorts either).
     */
    @Test
    void sourceRangesAdmitAnAllowedClientAndDropAnotherInBothFamilies() {
        model.putService(loadBalancer("office", "10.96.0.40", "fd00:96::40", 30040, "203.0.113.7", "2001:db8:b::7")
                .editSpec().withLoadBalancerSourceRanges("172.16.0.0/24", "fd00:16::/64").endSpec().build());
        model.putSlice(slice("office", false, "10.244.2.2"));
        model.putSlice(slice("office", true, "fd00:244:2::2"));
        assertThat(node1().fullResync(snapshot(NODE1)).failures()).isEmpty();

        assertThat(get(lab.v4.client, "http://203.0.113.7/")).isEqualTo("pod 10.244.2.2");
        assertThat(get(lab.v4.client, "http://[2001:db8:b::7]/")).isEqualTo("pod fd00:244:2::2");
        assertThat(get(lab.client2, "http://203.0.113.7/")).as("outside the IPv4 ranges").isNull();
        assertThat(get(lab.client2, "http://[2001:db8:b::7]/")).as("outside the IPv6 ranges").isNull();
        assertThat(get(lab.v4.pod1, "http://203.0.113.7/")).as("a pod outside the ranges").isNull();
        assertThat(get(lab.v4.node1, "http://203.0.113.7/")).as("the node, its address outside the ranges").isNull();
        assertThat(get(lab.client2, "http://192.168.1.1:30040/")).as("the NodePort is not restricted").isEqualTo("pod 10.244.2.2");
        assertThat(get(lab.client2, "http://[fd00:1::1]:30040/")).isEqualTo("pod fd00:244:2::2");
        assertThat(get(lab.client2, "http://10.96.0.40/")).as("nor the cluster IP").isEqualTo("pod 10.244.2.2");
    }

    /**
     * A DSR LoadBalancer IP is restricted before it is marked and tunnelled: the allowed client is answered by the pod
     * directly, the other is dropped at the director. node2's engine sets up the receiver in its pod.
     */
    @Test
    void aDsrLoadBalancerIpAdmitsOnlyItsRanges() throws Exception {
        model.putService(loadBalancer("edge", "10.96.0.41", null, 30041, "203.0.113.8")
                .editMetadata().withAnnotations(Map.of("kube-router.io/service.dsr", "tunnel")).endMetadata()
                .editSpec().withLoadBalancerSourceRanges("172.16.0.0/24").endSpec().build());
        model.putSlice(slice("edge", false, "10.244.2.2"));
        SyncEngine director = engine(lab.v4.node1, NODE1, pods(lab.v4.node1));
        SyncEngine node2 = engine(lab.v4.node2, node("node2", 2, "zone-b"), pods(lab.v4.node2));
        assertThat(node2.fullResync(snapshot(node("node2", 2, "zone-b"))).failures()).isEmpty();
        assertThat(director.fullResync(snapshot(NODE1)).failures()).isEmpty();
        // The pod's server answers on the VIP, which its receiver now holds.
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "dsr pod2\n");
        lab.v4.pod2.exec("busybox", "httpd", "-p", "203.0.113.8:80", "-h", www.toString());

        assertThat(lab.v4.node1.exec("ipvsadm", "-Ln")).contains("FWM").contains("10.244.2.2:80").contains("Tunnel");
        assertThat(get(lab.v4.client, "http://203.0.113.8/")).isEqualTo("dsr pod2");
        assertThat(get(lab.client2, "http://203.0.113.8/")).isNull();
        assertThat(get(lab.client2, "http://192.168.1.1:30041/")).as("the refused client reaches the NodePort").isEqualTo("pod 10.244.2.2");
        assertThat(lab.v4.node1.exec("nft", "list", "set", "inet", "kube-dsr", "allowed4")).contains("203.0.113.8 . tcp . 80 . 172.16.0.0/24");
    }

    private static PodReceivers pods(TestNamespace node) {
        return new DsrPods(PodNamespaces.standard(node.namespace().id()), node.namespace(), SysctlDirectory.PROC);
    }

    /**
     * The defect: externalTrafficPolicy Local on a node without a local endpoint left the LoadBalancer IP's virtual
     * server empty, so the node's pods and the node itself calling it got nothing. Now they are served by the
     * cluster's endpoints (the short circuit), in both families, and so is the NodePort, while a client outside the
     * cluster sent to this node is still not answered.
     */
    @Test
    void localPolicyServesThisNodesPodsAndItselfButNotOutsideClients() {
        model.putService(loadBalancer("ingress", "10.96.0.42", "fd00:96::42", 30042, "203.0.113.9", "2001:db8:b::9")
                .editSpec().withExternalTrafficPolicy("Local").endSpec().build());
        model.putSlice(slice("ingress", false, "10.244.2.2"));
        model.putSlice(slice("ingress", true, "fd00:244:2::2"));
        assertThat(node1().fullResync(snapshot(NODE1)).failures()).isEmpty();

        assertThat(get(lab.v4.pod1, "http://203.0.113.9/")).as("a pod on this node").isEqualTo("pod 10.244.2.2");
        assertThat(get(lab.v4.pod1, "http://[2001:db8:b::9]/")).isEqualTo("pod fd00:244:2::2");
        assertThat(get(lab.v4.node1, "http://203.0.113.9/")).as("the node itself").isEqualTo("pod 10.244.2.2");
        assertThat(get(lab.v4.node1, "http://[2001:db8:b::9]/")).as("the node itself, sending from the VIP, masqueraded")
                .isEqualTo("pod fd00:244:2::2");
        assertThat(get(lab.v4.pod1, "http://192.168.1.1:30042/")).as("the NodePort from a pod").isEqualTo("pod 10.244.2.2");
        assertThat(get(lab.v4.client, "http://203.0.113.9/")).as("outside: no local endpoint").isNull();
        assertThat(get(lab.v4.client, "http://[2001:db8:b::9]/")).isNull();
        assertThat(get(lab.v4.client, "http://192.168.1.1:30042/")).isNull();
        assertThat(get(lab.v4.client, "http://10.96.0.42/")).as("the same client reaches the cluster IP").isEqualTo("pod 10.244.2.2");
    }

    /**
     * Zone hints: node1 in zone-a sends a client's traffic to the zone-a endpoint only, and to zone-b's once the
     * snapshot says it moved. On this dual-stack node, the IPv4-only NodePort Service has no IPv6 virtual server.
     */
    @Test
    void zoneHintsPickThisNodesZoneAndASingleStackServiceStaysInItsFamily() {
        EndpointSlice zonal = slice("zonal", false, "10.244.1.2", "10.244.2.2");
        zonal.getEndpoints().get(0).setHints(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder()
                .addNewForZone("zone-a").build());
        zonal.getEndpoints().get(1).setHints(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder()
                .addNewForZone("zone-b").build());
        model.putService(new ServiceBuilder().withNewMetadata().withNamespace("default").withName("zonal").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP("10.96.0.43").withClusterIPs("10.96.0.43").withIpFamilies("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(30043).endPort().endSpec().build());
        model.putSlice(zonal);
        SyncEngine engine = node1();
        engine.fullResync(snapshot(NODE1));
        assertThat(answers("http://10.96.0.43/")).containsExactly("pod 10.244.1.2");
        engine.fullResync(snapshot(node("node1", 1, "zone-b")));
        assertThat(answers("http://10.96.0.43/")).containsExactly("pod 10.244.2.2");

        String ipvs = lab.v4.node1.exec("ipvsadm", "-Ln");
        assertThat(ipvs).contains("192.168.1.1:30043").doesNotContain("[fd00:1::1]:30043");
        assertThat(get(lab.v4.client, "http://[fd00:1::1]:30043/")).isNull();
    }

    private Set<String> answers(String url) {
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < 6; i++) {
            seen.add(String.valueOf(get(lab.v4.client, url)));
        }
        return seen;
    }
}
