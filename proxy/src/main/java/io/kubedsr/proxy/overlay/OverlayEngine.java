package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.EnsuredTunnel;
import io.kubedsr.tunnel.FouPort;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelOutcome;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * Writes the overlay: per peer node its tunnel and routes through it, or its direct routes, in the main table.
 * A full sync plans every node, adopts what the kernel has, and removes what is ours but wanted by no node
 * (tunnel links, unneeded GUE ports, direct routes); an incremental sync re-plans only the changed nodes and
 * writes only their difference against what was last applied. Runs on the agent's kernel thread only.
 * <p>
 * Switching encapsulation is make-before-break: a full sync first opens the GUE receive ports (kept open whatever
 * this node sends, so peers may send either encapsulation), then converts each tunnel in place (the kernel
 * changes an ipip link's encapsulation on the live link: its routes stay, nothing is dropped), and only then
 * closes ports no longer wanted (an old port after a port move).
 */
public final class OverlayEngine implements OverlayWriter {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayEngine.class);
    private static final int TABLE = Route.TABLE_MAIN;

    private final OverlaySettings settings;
    private final List<FouPort> receivePorts;
    private final Set<Integer> managedPorts;
    private final Rtnetlink rtnl;
    private final NodeTunnels tunnels;
    private final Map<String, NodePlan> applied = new HashMap<>();
    private OverlayPlanner planner;
    private int failedNodes;
    private int converted;
    /** Whether the receive ports were found or made open at the last full sync (the node accepts both). */
    private boolean receivePortsOpen;
    /** The main table per family, dumped at most once per sync and only when a sync needs to compare. */
    private final Map<AddressFamily, List<Route>> routeSnapshot = new EnumMap<>(AddressFamily.class);

    /**
     * {@code receivePorts}: the GUE ports kept open for peers whatever this node sends (ReceivePorts.node);
     * {@code managedPorts}: the ports that are kube-dsr's, closed at a full sync when neither a tunnel nor the
     * receive ports need them.
     */
    public OverlayEngine(OverlaySettings settings, List<FouPort> receivePorts, Set<Integer> managedPorts, Rtnetlink rtnl,
            NodeTunnels tunnels) {
        this.settings = settings;
        this.receivePorts = List.copyOf(receivePorts);
        this.managedPorts = Set.copyOf(managedPorts);
        this.rtnl = rtnl;
        this.tunnels = tunnels;
    }

    public NodeTunnels tunnels() {
        return tunnels;
    }

    /** The plan last applied for a node (tests, diagnostics). */
    public NodePlan applied(String node) {
        return applied.get(node);
    }

    /**
     * Plans every node ({@code self} is this node's name; its Node object gives the local addresses), applies
     * the plans and removes orphans. Without this node's Node object nothing is done: pruning then would tear
     * the whole overlay down.
     */
    @Override
    public OverlaySyncResult fullSync(String self, Collection<Node> nodes) {
        long t0 = System.nanoTime();
        long w0 = tunnels.writes().total();
        routeSnapshot.clear();
        failedNodes = 0;
        converted = 0;
        Node own = null;
        for (Node n : nodes) {
            if (self.equals(n.getMetadata().getName())) {
                own = n;
            }
        }
        if (own == null) {
            LOG.warn("overlay: node={} (this node) not in the API; overlay left as it is until it appears", self);
            return OverlaySyncResult.skipped(true);
        }
        planner = new OverlayPlanner(localNode(self, PeerNode.of(own)), settings);
        Map<String, NodePlan> wanted = new HashMap<>();
        for (Node n : nodes) {
            String name = n.getMetadata().getName();
            if (!name.equals(self)) {
                wanted.put(name, planner.plan(PeerNode.of(n)));
            }
        }
        openReceivePorts(); // make: before any tunnel sends something new
        Set<String> names = new HashSet<>(applied.keySet());
        names.addAll(wanted.keySet());
        for (String name : names) {
            apply(name, wanted.get(name), true);
        }
        collectOrphans(); // break: ports and links nothing needs any more, last
        return result(true, wanted.size(), w0, t0);
    }

    /**
     * Re-plans only the named nodes ({@code current} holds those that exist; a name missing there was deleted)
     * and writes only what differs from what was applied for them. Needs a full sync first.
     */
    @Override
    public OverlaySyncResult syncNodes(Collection<String> changed, Map<String, Node> current) {
        if (planner == null) {
            throw new IllegalStateException("an incremental overlay sync before the first full sync");
        }
        long t0 = System.nanoTime();
        long w0 = tunnels.writes().total();
        routeSnapshot.clear();
        failedNodes = 0;
        converted = 0;
        for (String name : changed) {
            Node n = current.get(name);
            apply(name, n == null ? null : planner.plan(PeerNode.of(n)), false);
        }
        return result(false, changed.size(), w0, t0);
    }

    private OverlaySyncResult result(boolean full, int planned, long w0, long t0) {
        int tunnelCount = 0;
        int directCount = 0;
        for (NodePlan p : applied.values()) {
            tunnelCount += p.tunnels().size();
            for (NodePlan.Direct d : p.direct()) {
                directCount += d.podCidrs().size();
            }
        }
        return new OverlaySyncResult(full, planned, tunnels.writes().total() - w0, tunnelCount, directCount, failedNodes,
                Duration.ofNanos(System.nanoTime() - t0), converted, tunnelsByEncapsulation(), receivePortsOpen ? receivePorts : List.of());
    }

    /** The tunnels wanted now, by what they send ({@code ipip} or {@code gue}). */
    private Map<String, Integer> tunnelsByEncapsulation() {
        Map<String, Integer> out = new TreeMap<>();
        for (NodePlan p : applied.values()) {
            for (NodePlan.Tunnel t : p.tunnels()) {
                out.merge(t.spec().encapsulation() instanceof Encapsulation.Gue ? "gue" : "ipip", 1, Integer::sum);
            }
        }
        return out;
    }

    /**
     * Opens the GUE receive ports (one dump; a write only for a missing port). Without the fou module this node
     * cannot take GUE: logged, and the overlay goes on with IPIP, which it always takes.
     */
    private void openReceivePorts() {
        receivePortsOpen = false;
        if (receivePorts.isEmpty()) {
            return;
        }
        try {
            tunnels.ensureReceivePorts(receivePorts);
            receivePortsOpen = true;
        } catch (NetlinkException e) {
            LOG.error("overlay: GUE receive ports {} could not be opened ({}): peers sending GUE to this node are dropped; "
                    + "is the fou module loaded?", receivePorts, e.getMessage());
        }
    }

    private LocalNode localNode(String self, PeerNode own) {
        List<IpPrefix> subnets = new ArrayList<>();
        for (Address a : rtnl.addresses(AddressFamily.UNSPEC)) {
            // Global addresses with a real prefix: interface subnets. VIPs (/32, /128) and link-local are not.
            if (a.scope() == RouteScope.UNIVERSE && a.prefix().length() < a.family().maxPrefixLength()) {
                subnets.add(new IpPrefix(a.prefix().network(), a.prefix().length()));
            }
        }
        return new LocalNode(self, own.addresses(), subnets);
    }

    /** Makes the kernel follow one node's new plan (null: the node is gone), adding before removing. */
    private void apply(String name, NodePlan wanted, boolean full) {
        NodePlan old = applied.get(name);
        if (wanted != null && !wanted.problems().isEmpty() && (old == null || !old.problems().equals(wanted.problems()))) {
            for (String p : wanted.problems()) {
                LOG.warn("overlay: node={} {}", name, p);
            }
        }
        if (wanted == null) {
            applied.remove(name);
            wanted = NodePlan.empty(name);
        } else {
            applied.put(name, wanted);
        }
        try {
            for (NodePlan.Tunnel t : wanted.tunnels()) {
                ensureTunnel(t, old == null ? null : tunnelFor(old, t.spec().peer()), full);
            }
            for (NodePlan.Direct d : wanted.direct()) {
                for (IpPrefix cidr : d.podCidrs()) {
                    Route r = NodeTunnels.directRoute(cidr, d.via(), TABLE);
                    boolean known = full ? snapshot(cidr.family()).stream().anyMatch(e -> sameDirect(e, r))
                            : old != null && hasDirect(old, cidr, d.via());
                    if (!known) {
                        tunnels.replaceDirectRoute(r);
                    }
                }
            }
            if (old != null) {
                removeUnwanted(old, wanted);
            }
        } catch (NetlinkException e) {
            // One node's failure must not stop the others; the next full sync tries it again.
            LOG.error("overlay: node={} could not be written: {}", name, e.getMessage());
            applied.remove(name);
            failedNodes++;
        }
    }

    private void ensureTunnel(NodePlan.Tunnel t, NodePlan.Tunnel before, boolean full) {
        if (!full && t.equals(before)) {
            return; // unchanged since it was last written; a full sync checks it against the kernel
        }
        EnsuredTunnel e = tunnels.ensure(t.spec());
        if (e.outcome() == TunnelOutcome.CONVERTED) {
            converted++;
            LOG.info("overlay: tunnel={} converted in place to {}", t.spec().linkName(), t.spec().encapsulation());
        }
        if (e.outcome() == TunnelOutcome.CREATED || e.outcome() == TunnelOutcome.RECREATED) {
            tunnels.ensureRoutes(e, t.podCidrs(), TABLE, List.of()); // a new link has no routes yet
        } else {
            tunnels.ensureRoutes(e, t.podCidrs(), TABLE, snapshot(t.spec().family()));
        }
    }

    private void removeUnwanted(NodePlan old, NodePlan wanted) {
        for (NodePlan.Direct d : old.direct()) {
            for (IpPrefix cidr : d.podCidrs()) {
                if (!hasDirect(wanted, cidr, d.via())) {
                    tunnels.removeDirectRoute(NodeTunnels.directRoute(cidr, d.via(), TABLE));
                }
            }
        }
        for (NodePlan.Tunnel t : old.tunnels()) {
            InetAddress peer = t.spec().peer();
            if (tunnelFor(wanted, peer) == null && !anotherNodeTunnelsTo(peer, old.node())) {
                tunnels.remove(peer);
            }
        }
    }

    /** Two Node objects with one address share the tunnel: it goes with the last of them. */
    private boolean anotherNodeTunnelsTo(InetAddress peer, String except) {
        for (NodePlan p : applied.values()) {
            if (!p.node().equals(except) && tunnelFor(p, peer) != null) {
                return true;
            }
        }
        return false;
    }

    /** Tunnel links, GUE ports and direct routes of ours that no node wants any more (from before a restart). */
    private void collectOrphans() {
        List<TunnelSpec> specs = new ArrayList<>();
        Set<Route> directs = new HashSet<>();
        for (NodePlan p : applied.values()) {
            p.tunnels().forEach(t -> specs.add(t.spec()));
            for (NodePlan.Direct d : p.direct()) {
                d.podCidrs().forEach(c -> directs.add(NodeTunnels.directRoute(c, d.via(), TABLE)));
            }
        }
        try {
            List<String> removed = tunnels.collectGarbage(specs, receivePorts, managedPorts);
            if (!removed.isEmpty()) {
                LOG.info("overlay: removed tunnels no node needs: {}", removed);
            }
        } catch (NetlinkException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            // The fou generic netlink family is missing (module not loaded): there are no GUE ports to remove.
            LOG.debug("overlay: no fou family, no GUE ports to collect: {}", e.getMessage());
        }
        for (AddressFamily f : settings.families()) {
            for (Route r : snapshot(f)) {
                if (NodeTunnels.isDirectRoute(r) && directs.stream().noneMatch(d -> sameDirect(r, d))) {
                    if (tunnels.removeDirectRoute(NodeTunnels.directRoute(r.destination(), r.gateway(), TABLE))) {
                        LOG.info("overlay: removed direct route {} no node needs", r);
                    }
                }
            }
        }
    }

    private List<Route> snapshot(AddressFamily family) {
        return routeSnapshot.computeIfAbsent(family, f -> rtnl.routes(f, TABLE));
    }

    private static boolean sameDirect(Route existing, Route wanted) {
        return existing.destination().equals(wanted.destination()) && Objects.equals(existing.gateway(), wanted.gateway())
                && existing.protocol() == wanted.protocol() && existing.table() == wanted.table();
    }

    private static boolean hasDirect(NodePlan plan, IpPrefix cidr, InetAddress via) {
        for (NodePlan.Direct d : plan.direct()) {
            if (d.via().equals(via) && d.podCidrs().contains(cidr)) {
                return true;
            }
        }
        return false;
    }

    private static NodePlan.Tunnel tunnelFor(NodePlan plan, InetAddress peer) {
        for (NodePlan.Tunnel t : plan.tunnels()) {
            if (t.spec().peer().equals(peer)) {
                return t;
            }
        }
        return null;
    }
}
