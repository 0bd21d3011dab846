package io.kubedsr.tunnel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.netlink.route.TunnelEncap;

/**
 * Node-to-node tunnels in one network namespace (the node's): links named by {@link TunnelNames}, their
 * GUE receive ports, and routes through them. Every method is idempotent: ensuring what exists writes
 * nothing; deleting what is absent succeeds. Not thread-safe (the agent's kernel executor owns it).
 */
public final class NodeTunnels {
    /**
     * The route protocol (rtm_protocol) that marks kube-dsr's direct routes: a number no routing daemon in
     * linux/rtnetlink.h or iproute2's rt_protos uses (kube-router uses 17, RTPROT_MROUTED, instead).
     */
    public static final int DIRECT_ROUTE_PROTOCOL = 107;

    private final Rtnetlink rtnl;
    private final NetlinkConnection generic;
    private final WriteCounter writes = new WriteCounter();
    private FouClient fou;

    /** {@code generic} is a NETLINK_GENERIC connection of the same namespace, used for FOU ports. */
    public NodeTunnels(Rtnetlink rtnl, NetlinkConnection generic) {
        this.rtnl = rtnl;
        this.generic = generic;
    }

    public WriteCounter writes() {
        return writes;
    }

    private FouClient fou() {
        if (fou == null) {
            fou = new FouClient(generic);
        }
        return fou;
    }

    /**
     * The tunnel link for a spec, created, converted in place (another encapsulation, port, local address or TTL)
     * or, for what the kernel cannot change, created again; up; its GUE port ensured.
     */
    public EnsuredTunnel ensure(TunnelSpec spec) {
        String name = spec.linkName();
        LinkKind.IpTunnel wanted = spec.linkKind();
        if (spec.encapsulation() instanceof Encapsulation.Gue g) {
            ensureFouPort(new FouPort(spec.family(), g.port()));
        }
        TunnelLinks.Ensured ensured = TunnelLinks.ensure(rtnl, name, wanted, writes,
                () -> removeOtherLinksWithEndpoints(name, wanted));
        return new EnsuredTunnel(spec, ensured.link().index(), ensured.outcome());
    }

    /**
     * The kernel refuses a second ipip link with the same local and remote (EEXIST), so a link of ours under
     * another name with those endpoints (an older naming scheme, a half-finished conversion) goes first.
     */
    private void removeOtherLinksWithEndpoints(String name, LinkKind.IpTunnel wanted) {
        for (Link l : rtnl.links()) {
            if (!l.name().equals(name) && l.kind() instanceof LinkKind.IpTunnel t && t.family() == wanted.family()
                    && Objects.equals(t.local(), wanted.local()) && Objects.equals(t.remote(), wanted.remote())
                    && TunnelNames.isTunnelName(l.name())) {
                rtnl.deleteLink(l.index());
                writes.one();
            }
        }
    }

    /**
     * Makes the routes through a tunnel exactly {@code destinations} in {@code table}: each via the link with
     * {@code src} the local address; routes of that link not wanted any more are deleted. A wanted route that
     * exists through another device (a direct route before) is replaced.
     */
    public void ensureRoutes(EnsuredTunnel tunnel, Collection<IpPrefix> destinations, int table) {
        ensureRoutes(tunnel, destinations, table, rtnl.routes(tunnel.spec().family(), table));
    }

    /**
     * As {@link #ensureRoutes(EnsuredTunnel, Collection, int)}, compared with {@code existing}, the caller's
     * dump of that table (one dump shared by many tunnels instead of one each; an empty list for a link just
     * created, which has no routes yet).
     */
    public void ensureRoutes(EnsuredTunnel tunnel, Collection<IpPrefix> destinations, int table, Collection<Route> existing) {
        TunnelSpec spec = tunnel.spec();
        Map<IpPrefix, Route> wanted = new HashMap<>();
        for (IpPrefix d : destinations) {
            if (d.family() != spec.family()) {
                throw new IllegalArgumentException("route " + d + " is not of the tunnel's family " + spec.family());
            }
            IpPrefix net = new IpPrefix(d.network(), d.length());
            wanted.put(net, Route.to(net).withTable(table).withOutputLink(tunnel.linkIndex()).withSource(spec.local())
                    .withScope(spec.family() == AddressFamily.INET ? RouteScope.LINK : RouteScope.UNIVERSE));
        }
        RoutePlan plan = RoutePlan.compute(tunnel.linkIndex(), existing, wanted.values());
        for (Route r : plan.toDelete()) {
            rtnl.deleteRoute(r);
            writes.one();
        }
        for (Route r : plan.toReplace()) {
            rtnl.replaceRoute(r);
            writes.one();
        }
    }

    /**
     * A direct route: {@code destination} via the peer's address on a shared subnet (no tunnel), marked with
     * {@link #DIRECT_ROUTE_PROTOCOL} so that a restarted agent recognises the routes it made.
     */
    public static Route directRoute(IpPrefix destination, InetAddress via, int table) {
        IpPrefix net = new IpPrefix(destination.network(), destination.length());
        return Route.to(net).withTable(table).withGateway(via).withProtocol(DIRECT_ROUTE_PROTOCOL);
    }

    /** Whether a route from a dump is a direct route of ours (our protocol, a gateway). */
    public static boolean isDirectRoute(Route r) {
        return r.protocol() == DIRECT_ROUTE_PROTOCOL && r.gateway() != null && r.type() == RouteType.UNICAST;
    }

    /** Replaces whatever route {@code route}'s destination has (a tunnel route before) with the direct route. */
    public void replaceDirectRoute(Route route) {
        rtnl.replaceRoute(route);
        writes.one();
    }

    /**
     * Deletes the direct route if it is still there with that gateway; a route the destination has through a
     * tunnel by now does not match (the kernel compares the gateway) and stays. Returns whether one was deleted.
     */
    public boolean removeDirectRoute(Route route) {
        try {
            rtnl.deleteRoute(route);
            writes.one();
            return true;
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Removes the whole overlay of ours (--cleanup-config): every tunnel link of ours (their routes go with
     * them), our direct routes in the main table, and the GUE ports among {@code managedPorts}. A kernel without
     * the fou module has no port to remove. Returns the writes issued.
     */
    public long removeAll(Set<Integer> managedPorts) {
        long before = writes.total();
        Set<Integer> ports = managedPorts;
        try {
            fou();
        } catch (NetlinkException e) {
            if (!e.isNotFound()) {
                throw e;
            }
            ports = Set.of(); // no fou module: no GUE port can exist
        }
        if (ports.isEmpty()) {
            for (Link l : existing().values()) {
                if (rtnl.deleteLinkIfPresent(l.name())) {
                    writes.one();
                }
            }
        } else {
            collectGarbage(List.of(), List.of(), ports);
        }
        for (AddressFamily family : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Route r : rtnl.routes(family, Route.TABLE_MAIN)) {
                if (isDirectRoute(r)) {
                    removeDirectRoute(r);
                }
            }
        }
        return writes.total() - before;
    }

    /** Deletes the tunnel to a peer (its routes go with the link). */
    public boolean remove(InetAddress peer) {
        boolean removed = rtnl.deleteLinkIfPresent(TunnelNames.forPeer(peer));
        if (removed) {
            writes.one();
        }
        return removed;
    }

    /** The tunnel links of ours that exist, by name. */
    public Map<String, Link> existing() {
        Map<String, Link> out = new HashMap<>();
        for (Link l : rtnl.links()) {
            if (TunnelNames.isOurs(l)) {
                out.put(l.name(), l);
            }
        }
        return out;
    }

    /**
     * Removes every tunnel link of ours not in {@code desired}, and every GUE port of ours that neither a desired
     * tunnel needs nor {@code receivePorts} keeps open. Ours are the ports in {@code managedPorts} and those the
     * existing tunnel links use. Run it after the desired tunnels are in place: a port goes only once no tunnel
     * of this node sends to it. Returns the names of the links removed.
     */
    public List<String> collectGarbage(Collection<TunnelSpec> desired, Collection<FouPort> receivePorts, Set<Integer> managedPorts) {
        Set<String> keep = new HashSet<>();
        Set<FouPort> neededPorts = new HashSet<>(receivePorts);
        for (TunnelSpec s : desired) {
            keep.add(s.linkName());
            if (s.encapsulation() instanceof Encapsulation.Gue g) {
                neededPorts.add(new FouPort(s.family(), g.port()));
            }
        }
        Set<Integer> ours = new HashSet<>(managedPorts);
        for (FouPort p : receivePorts) {
            ours.add(p.port());
        }
        List<String> removed = new ArrayList<>();
        for (Link l : existing().values()) {
            LinkKind.IpTunnel t = (LinkKind.IpTunnel) l.kind();
            if (t.encap().type() != TunnelEncap.Type.NONE) {
                ours.add(t.encap().destinationPort());
            }
            if (!keep.contains(l.name())) {
                try {
                    rtnl.deleteLink(l.index());
                    writes.one();
                    removed.add(l.name());
                } catch (NetlinkException e) {
                    if (!e.isNotFound()) {
                        throw e;
                    }
                }
            }
        }
        if (!ours.isEmpty()) {
            for (FouPort p : fou().ports()) {
                if (ours.contains(p.port()) && !neededPorts.contains(p)) {
                    if (fou().delete(p)) {
                        writes.one();
                    }
                }
            }
        }
        return removed;
    }

    /**
     * Opens every port of {@code ports} that is not open yet (one dump of the ports, then one write per missing
     * port). A node keeps its GUE receive ports open whatever its own tunnels send, so that a peer may send it GUE
     * while this node still sends IPIP: receiving does not depend on the link's own encapsulation.
     */
    public void ensureReceivePorts(Collection<FouPort> ports) {
        if (ports.isEmpty()) {
            return;
        }
        List<FouPort> open = fou().ports();
        for (FouPort p : ports) {
            if (!open.contains(p) && fou().add(p)) {
                writes.one();
            }
        }
    }

    /** Adds the GUE port when missing (reads first, so an existing port costs no write). */
    public void ensureFouPort(FouPort port) {
        if (!fou().ports().contains(port) && fou().add(port)) {
            writes.one();
        }
    }

    public List<FouPort> fouPorts() {
        return fou().ports();
    }
}
