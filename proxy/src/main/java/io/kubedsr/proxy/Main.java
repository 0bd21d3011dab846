package io.kubedsr.proxy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.config.FlagParseException;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.PodNamespaces;
import io.kubedsr.proxy.encap.ReceivePorts;
import io.kubedsr.proxy.kernel.Capabilities;
import io.kubedsr.proxy.kernel.Cleanup;
import io.kubedsr.proxy.kernel.Modules;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.status.StatusCommand;
import io.kubedsr.tunnel.NodeTunnels;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** The {@code kube-dsr} command. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("status")) {
            System.exit(StatusCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (AgentFlags.wantsHelp(args)) {
            System.out.print(AgentFlags.help());
            return;
        }
        AgentConfig config;
        try {
            config = AgentFlags.parse(args);
        } catch (FlagParseException e) {
            System.err.println("kube-dsr: " + e.getMessage());
            System.exit(2);
            return;
        }
        // Before anything touches the kernel: without one of its capabilities the agent would fail half way.
        List<Capabilities.Capability> missing = Capabilities.missing(
                Capabilities.effective(Files.readString(Path.of("/proc/self/status"))));
        if (!missing.isEmpty()) {
            System.err.println("kube-dsr: " + Capabilities.describe(missing));
            System.exit(3);
            return;
        }
        // ipip/ip6_tunnel and fou/fou6: DSR receivers in pods and the overlay; fou's genetlink family has no autoload.
        Modules.load(List.of("ip_vs", "dummy", "ipip", "ip6_tunnel", "fou", "fou6"));
        if (config.cleanupConfig()) {
            System.exit(cleanup(config));
        }
        String nodeName = nodeName(config);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        KubernetesClient client = new KubernetesClientBuilder().withConfig(clientConfig(config))
                .withHttpClientFactory(new Vertx5HttpClientFactory(vertx)).build();
        Agent agent = new Agent(config, client, vertx, nodeName, null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping");
            agent.close();
            client.close();
            vertx.close();
        }, "kube-dsr-shutdown"));
        LOG.info("kube-dsr starting node={} native_transport={}", nodeName, vertx.isNativeTransportEnabled());
        try {
            agent.start().join();
        } catch (RuntimeException e) {
            // The API server unreachable or refusing at start: exit (the shutdown hook closes the agent) so that the
            // kubelet restarts the container, instead of a JVM that lives on without an agent.
            LOG.error("start failed: {}", NoAnswer.causes(e));
            System.exit(1);
        }
        Thread.currentThread().join(); // the agent runs on its own threads until the process is stopped
    }

    static String nodeName(AgentConfig config) throws Exception {
        if (!config.hostnameOverride().isEmpty()) {
            return config.hostnameOverride();
        }
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        return InetAddress.getLocalHost().getHostName();
    }

    static Config clientConfig(AgentConfig config) throws Exception {
        Config c = config.kubeconfig().isEmpty() ? Config.autoConfigure(null)
                : Config.fromKubeconfig(Files.readString(Path.of(config.kubeconfig())));
        if (!config.master().isEmpty()) {
            c.setMasterUrl(config.master());
        }
        return c;
    }

    /**
     * --cleanup-config: removes kube-dsr's virtual servers (DSR fwmark services too), its nftables tables (the
     * services' and the encapsulation guard's), DSR policy rules and table 78 routes, the DSR receivers in this
     * node's pods with their guards, kube-dummy-if ({@link Cleanup}), and the overlay's tunnels, direct routes
     * and GUE receive ports; nothing else.
     */
    static int cleanup(AgentConfig config) {
        try (IpvsClient ipvs = IpvsClient.open(); Rtnetlink rtnl = Rtnetlink.open();
                NetlinkConnection generic = NetlinkConnection.open(NetlinkProtocol.GENERIC);
                NetworkNamespace here = NetworkNamespace.current()) {
            DsrPods pods = new DsrPods(PodNamespaces.standard(here.id()), null, config.sysctlDir());
            int removed = Cleanup.run(config, new ServiceKernel(ipvs, rtnl, new NftTable(null), pods, UdpConntrack.NONE));
            new NftTable(null, EncapGuardRules.NODE_TABLE).delete();
            removed += (int) new NodeTunnels(rtnl, generic).removeAll(ReceivePorts.of(config));
            LOG.info("cleanup removed {} objects", removed);
            return 0;
        } catch (RuntimeException e) {
            System.err.println("kube-dsr: cleanup failed: " + e.getMessage());
            return 1;
        }
    }
}
