package io.kubedsr.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.api.ApiClients;
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
import io.kubedsr.proxy.process.FatalExit;
import io.kubedsr.proxy.process.HeapTrim;
import io.kubedsr.proxy.process.NettyDefaults;
import io.kubedsr.proxy.process.ProcessStart;
import io.kubedsr.proxy.process.StartupReport;
import io.kubedsr.proxy.status.StatusCommand;
import io.kubedsr.tunnel.NodeTunnels;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/** The {@code kube-dsr} command. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    /** The exit status of an agent that lacks a capability it needs (the check before anything touches the kernel). */
    static final int MISSING_CAPABILITY = 3;

    private Main() {
    }

    public static void main(String[] args) {
        Instant entered = Instant.now();
        Instant processStart = ProcessStart.of(entered, entered);
        NettyDefaults.apply();
        if (args.length > 0 && args[0].equals("status")) {
            System.exit(StatusCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("warm-up")) {
            System.exit(warmUp());
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
        List<Capabilities.Capability> missing = Capabilities.missing(Capabilities.effective(readProcSelfStatus()));
        if (!missing.isEmpty()) {
            System.err.println("kube-dsr: " + Capabilities.describe(missing));
            System.exit(MISSING_CAPABILITY);
            return;
        }
        if (config.cleanupConfig()) {
            Modules.load(NetlinkNodeKernel.MODULES);
            System.exit(cleanup(config));
        }
        run(config, processStart, entered, () -> NetlinkNodeKernel.open(config, null));
    }

    /**
     * Runs the agent until the process is stopped, with {@code kernel} opening the node's kernel (the start-up
     * benchmark gives an in-memory one on a kernel without IPVS). Returns once the agent is ready; its threads run
     * on. A start that fails, and a failure of the agent later, end the process with status 1 and a one-line
     * message ({@link FatalExit}).
     */
    public static void run(AgentConfig config, Instant processStart, Instant mainEntered, Supplier<NodeKernel> kernel) {
        NettyDefaults.apply();
        FatalExit fatal = FatalExit.ofProcess();
        try {
            String nodeName = nodeName(config);
            Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
            KubernetesClient client = ApiClients.create(clientConfig(config), vertx);
            Agent agent = new Agent(config, client, vertx, nodeName, kernel);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("stopping");
                agent.close();
                client.close();
                vertx.close();
            }, "kube-dsr-shutdown"));
            agent.failure().thenAccept(e -> fatal.exit("the agent failed", e));
            LOG.info("kube-dsr starting node={} native_transport={}", nodeName, vertx.isNativeTransportEnabled());
            Instant agentStarted = Instant.now();
            agent.start().get();
            LOG.info("{}", StartupReport.of(processStart, mainEntered, agentStarted, agent.startup()).line());
            LOG.info("{}", HeapTrim.run().line());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fatal.exit("could not start", e);
        } catch (Exception | Error e) {
            fatal.exit("could not start", e);
        }
    }

    private static String readProcSelfStatus() {
        try {
            return Files.readString(Path.of("/proc/self/status"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link WarmUp}: status 0 when it ran through, 1 with a message when it did not. */
    private static int warmUp() {
        try {
            return WarmUp.run();
        } catch (Exception e) {
            System.err.println("kube-dsr: warm-up failed: " + e);
            return 1;
        }
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
