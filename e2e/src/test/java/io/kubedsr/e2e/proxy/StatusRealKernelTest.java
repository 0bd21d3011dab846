package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.status.JsonRenderer;
import io.kubedsr.proxy.status.NodeStatus;
import io.kubedsr.proxy.status.StatusCommand;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;
import io.kubedsr.tunnel.DsrReceivers;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.EnsuredTunnel;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * {@code kube-dsr status} against node1 of the service lab in the VM kernel: a ClusterIP/NodePort Service
 * programmed by the sync engine (masq), a DSR fwmark service with a GUE tunnel real server, its mark, rule and
 * table 78, a GUE tunnel to node2 and a DSR receiver in pod2, Services named from an API server.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ipip", "fou"}, timeoutSeconds = 300)
class StatusRealKernelTest {
    private static final int DSR_MARK = 0x123;
    private ServiceLab lab;
    private IpvsClient ipvs;
    private Rtnetlink rtnl;
    private NetlinkConnection generic;
    private MockApi api;
    private KubernetesClient client;

    @BeforeEach
    void setUp() throws Exception {
        lab = new ServiceLab();
        ipvs = new IpvsClient(lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC));
        rtnl = lab.node1.namespace().openRtnetlink();
        generic = lab.node1.namespace().openConnection(NetlinkProtocol.GENERIC);
        api = MockApi.start();
        client = api.client();
    }

    @AfterEach
    void tearDown() {
        api.close();
        generic.close();
        ipvs.close();
        rtnl.close();
        lab.close();
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    /** What the agent would have built on node1, made here with the agent's own building blocks. */
    private void buildNode1() {
        ClusterModel model = new ClusterModel();
        model.putService(SyncEngineRealKernelTest.web(null));
        model.putSlice(SyncEngineRealKernelTest.slice("10.244.1.2", "10.244.2.2"));
        IpvsSysctls.apply(lab.node1.namespace(), SysctlDirectory.PROC);
        NodeInfo node = new NodeInfo("node1", List.of(ip("192.168.1.1")), List.of(ip("192.168.1.1")));
        SyncEngine engine = new SyncEngine(AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16"}),
                new ServiceKernel(ipvs, rtnl, new NftTable(lab.node1.namespace()), PodReceivers.NONE, UdpConntrack.NONE),
                Clock.systemUTC());
        engine.start(node);
        assertThat(engine.fullResync(new ServiceSnapshot(model, node, Set.of())).failures()).isEmpty();
        for (int i = 0; i < 4; i++) { // closed connections stay in IPVS as inactive ones for a while
            lab.client.exec("curl", "-sS", "--max-time", "10", "http://10.96.0.10/");
        }

        // DSR for 203.0.113.10:80/tcp as kube-router does it: mark, rule, table 78, fwmark service in tunnel mode.
        VirtualServerKey dsr = VirtualServerKey.ofFwmark(AddressFamily.INET, DSR_MARK);
        ipvs.addVirtualServer(VirtualServer.of(dsr, Scheduler.RR));
        ipvs.addRealServer(dsr, RealServer.of(ip("10.244.2.2"), 80, Forwarding.gue(5555), 1));
        lab.node1.exec("nft", "add map inet kube-dsr dsr4 { type ipv4_addr . inet_proto . inet_service : mark ; }");
        lab.node1.exec("nft", "add element inet kube-dsr dsr4 { 203.0.113.10 . tcp . 80 : 0x00000123 }");
        lab.node1.exec("ip", "rule", "add", "prio", "32764", "fwmark", "0x123", "lookup", "78");
        lab.node1.exec("ip", "route", "add", "local", "default", "dev", "lo", "table", "78");
        // Someone else's virtual server (keepalived, say): not kube-dsr's, so only counted.
        lab.node1.exec("ipvsadm", "-A", "-t", "192.168.1.1:8080", "-s", "rr");

        NodeTunnels tunnels = new NodeTunnels(rtnl, generic);
        EnsuredTunnel t = tunnels.ensure(TunnelSpec.of(ip("192.168.1.1"), ip("192.168.1.2"), Encapsulation.gue(5555)));
        tunnels.ensureRoutes(t, List.of(IpPrefix.parse("10.244.2.0/24")), Route.TABLE_MAIN);
        new DsrReceivers().ensure(lab.pod2.namespace(), ip("10.244.2.2"), Set.of(ip("203.0.113.10")), Set.of(5555));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run status(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = StatusCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void showsServicesDsrTunnelsAndReceiversOfNode1() throws Exception {
        buildNode1();
        client.services().inNamespace("default").resource(SyncEngineRealKernelTest.web(null)).create();
        client.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withNamespace("default")
                .withName("dsr").endMetadata().withNewSpec().withClusterIP("10.96.0.20").withExternalIPs("203.0.113.10")
                .addNewPort().withProtocol("TCP").withPort(80).endPort().endSpec().build()).create();
        Path config = api.writeKubeconfig();

        Run json = status("--netns", lab.node1.name(), "--kubeconfig", config.toString(), "-o", "json");
        assertThat(json.err()).isEmpty();
        assertThat(json.exit()).isZero();
        NodeStatus s = JsonRenderer.parse(json.out());
        assertThat(s.namespace()).isEqualTo("/run/netns/" + lab.node1.name());
        assertThat(s.notes()).isEmpty();

        assertThat(s.virtualServers()).extracting(v -> v.fwmark() == null ? v.protocol() + " " + v.address() + ":" + v.port()
                : "fwmark " + v.fwmark()).containsExactly("tcp 10.96.0.10:80", "tcp 192.168.1.1:30080", "fwmark 291");
        assertThat(s.otherVirtualServers()).as("192.168.1.1:8080 is someone else's").isEqualTo(1);
        NodeStatus.VirtualServer clusterIp = s.virtualServers().get(0);
        assertThat(clusterIp.services()).containsExactly("default/web:80");
        assertThat(clusterIp.scheduler()).isEqualTo("rr");
        assertThat(clusterIp.realServers()).extracting(NodeStatus.RealServer::address).containsExactly("10.244.1.2", "10.244.2.2");
        assertThat(clusterIp.realServers()).allSatisfy(r -> {
            assertThat(r.forwarding()).isEqualTo("masq");
            assertThat(r.tunnelType()).isNull();
            assertThat(r.weight()).isEqualTo(1);
        });
        assertThat(clusterIp.realServers().stream().mapToInt(NodeStatus.RealServer::inactiveConnections).sum())
                .as("the four closed client connections").isEqualTo(4);
        assertThat(s.virtualServers().get(1).services()).as("NodePort named by its port").containsExactly("default/web:80");
        NodeStatus.VirtualServer fwmark = s.virtualServers().get(2);
        assertThat(fwmark.services()).as("named through the mark map").containsExactly("default/dsr:80");
        assertThat(fwmark.realServers()).containsExactly(new NodeStatus.RealServer("10.244.2.2", 80, "tunnel", "gue", 5555, 1, 0, 0));

        assertThat(s.dsr().markMap()).isTrue();
        assertThat(s.dsr().marks()).containsExactly(
                new NodeStatus.DsrMark(291, "ipv4", "203.0.113.10", "tcp", 80, true, true, List.of("default/dsr:80")));
        assertThat(s.dsr().rules()).containsExactly(new NodeStatus.DsrRule("ipv4", 32764, 291, 0xFFFFFFFFL, 78));
        assertThat(s.dsr().routes()).containsExactly(new NodeStatus.DsrRoute("ipv4", "local", "default", "lo"));

        assertThat(s.tunnels()).containsExactly(new NodeStatus.Tunnel("tun-c0a80102", "ipip", true, "192.168.1.1",
                "192.168.1.2", "gue", 5555, s.tunnels().get(0).mtu(), List.of("10.244.2.0/24"), List.of("ipip", "gue:5555")));
        assertThat(s.fouPorts()).containsExactly(new NodeStatus.FouPort("ipv4", 5555));
        assertThat(s.receivers()).containsExactly(new NodeStatus.Receiver("/run/netns/" + lab.pod2.name(), "kube-tunnel-if",
                true, "10.244.2.2", List.of("203.0.113.10"), List.of(new NodeStatus.FouPort("ipv4", 5555)), List.of("ipip", "gue:5555")));
        assertThat(json.out()).contains("\"tunnelType\" : \"gue\"", "\"tunnelPort\" : 5555", "\"podIp\" : \"10.244.2.2\"");

        Run table = status("--netns", lab.node1.name(), "--kubeconfig", config.toString());
        assertThat(table.exit()).isZero();
        assertThat(table.out()).contains("\nSERVICES\n", "\nDSR MARKS\n", "\nTUNNELS\n", "\nDSR RECEIVERS\n")
                .contains("FWM 0x00000123").contains("gue:5555").contains("ipip,gue:5555");
        System.out.println("--- kube-dsr status of node1 ---\n" + table.out().replace(lab.node1.name(), "node1")
                .replace(lab.pod2.name(), "pod2"));

        // An API server that does not answer costs Service names, not the kernel view.
        api.stopServer();
        Run unnamed = status("--netns", lab.node1.name(), "--kubeconfig", config.toString(), "-o", "json");
        assertThat(unnamed.exit()).isZero();
        NodeStatus u = JsonRenderer.parse(unnamed.out());
        assertThat(u.notes()).singleElement().asString().contains("not read").endsWith("Services not named");
        assertThat(u.virtualServers()).hasSize(3).allSatisfy(v -> assertThat(v.services()).isEmpty());
    }
}
