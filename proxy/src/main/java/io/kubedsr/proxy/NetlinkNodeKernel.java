package io.kubedsr.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import io.kubedsr.proxy.kernel.IpvsSysctls;
import io.kubedsr.proxy.kernel.Modules;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SloppySysctls;
import io.kubedsr.proxy.kernel.Sysctls;
import io.kubedsr.proxy.kernel.UdpConntrackFlusher;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.overlay.OverlayEngine;
import io.kubedsr.proxy.overlay.OverlaySettings;
import io.kubedsr.proxy.overlay.OverlayWriter;
import io.kubedsr.tunnel.NodeTunnels;

/**
 * The node's real kernel: the modules the agent needs, netlink sockets (IPVS, rtnetlink, generic netlink for the
 * overlay's FOU ports, ctnetlink), nftables (the service table, the encapsulation guard) and the pods' namespaces,
 * in the node's network namespace, and the IPVS sysctls (written through --sysctl-dir, as the pods' are). Opened on
 * the agent's kernel thread, while the informers list.
 */
public final class NetlinkNodeKernel implements NodeKernel {
    private static final Logger LOG = LoggerFactory.getLogger(NetlinkNodeKernel.class);
    /** ipip/ip6_tunnel and fou/fou6: DSR receivers in pods and the overlay; fou's genetlink family has no autoload. */
    public static final List<String> MODULES = List.of("ip_vs", "dummy", "ipip", "ip6_tunnel", "fou", "fou6");

    private final List<AutoCloseable> opened;
    private final ServiceKernel services;
    private final OverlayEngine overlay;
    private final EncapGuard encapGuard;

    private NetlinkNodeKernel(List<AutoCloseable> opened, ServiceKernel services, OverlayEngine overlay, EncapGuard encapGuard) {
        this.opened = opened;
        this.services = services;
        this.overlay = overlay;
        this.encapGuard = encapGuard;
    }

    /**
     * Opens the kernel of {@code namespace} (null: the agent's own namespace). Call on the kernel thread. Throws
     * what the kernel refused (no IPVS, no CAP_NET_ADMIN), with whatever was opened closed again.
     */
    public static NodeKernel open(AgentConfig config, NetworkNamespace namespace) {
        Modules.load(MODULES);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            NetworkNamespace node = namespace;
            if (node == null) {
                node = NetworkNamespace.current();
                opened.add(node); // the agent's own: it closes what it opened, never a namespace it was given
            }
            NetlinkConnection ipvsConnection = connection(namespace, NetlinkProtocol.GENERIC);
            opened.add(ipvsConnection);
            IpvsClient ipvs = new IpvsClient(ipvsConnection); // throws when IPVS is not loaded
            NetlinkConnection routeConnection = connection(namespace, NetlinkProtocol.ROUTE);
            opened.add(routeConnection);
            Rtnetlink rtnl = new Rtnetlink(routeConnection);
            NetlinkConnection overlayGeneric = connection(namespace, NetlinkProtocol.GENERIC);
            opened.add(overlayGeneric);
            UdpConntrackFlusher conntrack = UdpConntrackFlusher.open(namespace);
            opened.add(conntrack);
            DsrPods pods = new DsrPods(PodNamespaces.standard(node.id()), node, config.sysctlDir());
            NftTable nft = new NftTable(namespace);
            // The receive ports are this agent's and those the agent before it listed (a port moved away from): the
            // overlay closes the ones nothing wants any more. Read before the first service sync rewrites the table.
            Set<Integer> managedPorts = new TreeSet<>(ReceivePorts.of(config));
            managedPorts.addAll(nft.guePorts());
            ServiceKernel services = new ServiceKernel(ipvs, rtnl, nft, pods, conntrack, new SloppySysctls(Sysctls.of(node, config.sysctlDir())));
            OverlayEngine overlay = new OverlayEngine(OverlaySettings.from(config), ReceivePorts.node(config), managedPorts,
                    rtnl, new NodeTunnels(rtnl, overlayGeneric));
            EncapGuard guard = new EncapGuard(new NftTable(namespace, EncapGuardRules.NODE_TABLE),
                    ReceivePorts.nodePortNumbers(config));
            IpvsSysctls.apply(node, config.sysctlDir());
            return new NetlinkNodeKernel(opened, services, overlay, guard);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    /** A socket in {@code namespace}, or in the calling thread's (null) without a detour through a namespace thread. */
    private static NetlinkConnection connection(NetworkNamespace namespace, NetlinkProtocol protocol) {
        return namespace == null ? NetlinkConnection.open(protocol) : namespace.openConnection(protocol);
    }

    @Override
    public ServiceKernel services() {
        return services;
    }

    @Override
    public OverlayWriter overlay() {
        return overlay;
    }

    @Override
    public EncapGuard encapGuard() {
        return encapGuard;
    }

    @Override
    public void close() {
        closeAll(opened);
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            AutoCloseable c = opened.get(i);
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing {} failed: {}", c, e.toString());
            }
        }
    }
}
