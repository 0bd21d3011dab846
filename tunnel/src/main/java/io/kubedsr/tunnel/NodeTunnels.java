package io.kubedsr.tunnel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
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
     * As {@link #ensure(TunnelSpec)}, comparing with {@code snapshot} instead of reading the link and the GUE ports
     * (a full sync's many tunnels: no request for an unchanged one). What it writes is recorded there.
     */
    public EnsuredTunnel ensure(TunnelSpec spec, TunnelSnapshot snapshot) {
        String name = spec.linkName();
        LinkKind.IpTunnel wanted = spec.linkKind();
        if (spec.encapsulation() instanceof Encapsulation.Gue g) {
            ensurePorts(List.of(new FouPort(spec.family(), g.port())), snapshot);
        }
        TunnelLinks.Ensured ensured = TunnelLinks.ensure(rtnl, name, snapshot.link(name).orElse(null), wanted, writes,
                () -> removeOtherLinksWithEndpoints(name, wanted));
        snapshot.wrote(ensured.link());
        TunnelOutcome outcome = ensured.outcome() == TunnelOutcome.UNCHANGED && snapshot.wasCreated(name)
                ? TunnelOutcome.CREATED : ensured.outcome();
        return new EnsuredTunnel(spec, ensured.link().index(), outcome);
    }

    /**
     * Creates every tunnel of {@code specs} that {@code snapshot} lacks, up, in pipelined batches (after opening the
     * GUE ports they send to), then learns their indexes from one dump of the links: a full sync's new peers cost
     * no round trip each. A creation the kernel refuses (EEXIST: another link has those endpoints) is left out,
     * for {@link #ensure(TunnelSpec, TunnelSnapshot)} to try alone, with the clash handling, for its node.
     * Returns how many were created.
     */
    public int createMissing(Collection<TunnelSpec> specs, TunnelSnapshot snapshot) {
        Map<String, TunnelSpec> missing = new LinkedHashMap<>();
        Set<FouPort> ports = new HashSet<>();
        for (TunnelSpec s : specs) {
            if (snapshot.link(s.linkName()).isEmpty()) {
                missing.putIfAbsent(s.linkName(), s);
                if (s.encapsulation() instanceof Encapsulation.Gue g) {
                    ports.add(new FouPort(s.family(), g.port()));
                }
            }
        }
        if (missing.isEmpty()) {
            return 0;
        }
        ensurePorts(ports, snapshot);
        List<Map.Entry<String, ? extends LinkKind>> links = new ArrayList<>();
        for (TunnelSpec s : missing.values()) {
            links.add(Map.entry(s.linkName(), s.linkKind()));
        }
        BatchResult result = rtnl.addLinks(links, true);
        Set<String> created = new HashSet<>(missing.keySet());
        for (BatchResult.Failure f : result.failures()) {
            created.remove(links.get(f.index()).getKey());
        }
        writes.add(created.size());
        if (!created.isEmpty()) {
            snapshot.created(created, rtnl.links());
        }
        return created.size();
    }

    /** One dump of the links now; the GUE ports are dumped when the sync first needs them. */
    public TunnelSnapshot snapshot() {
        return new TunnelSnapshot(rtnl.links(), () -> fou().ports());
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
        ensureRoutes(tunnel, destinations, table, existing, r -> {
            rtnl.replaceRoute(r);
            writes.one();
        });
    }

    /**
     * As {@link #ensureRoutes(EnsuredTunnel, Collection, int, Collection)}, but the routes to add or replace go to
     * {@code replace} (e.g. a full sync's batch, sent with {@link #replaceRoutes}); the deletes are written here.
     */
    public void ensureRoutes(EnsuredTunnel tunnel, Collection<IpPrefix> destinations, int table, Collection<Route> existing,
            Consumer<Route> replace) {
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
        plan.toReplace().forEach(replace);
    }

    /** Replaces many routes in pipelined batches; counts those written and returns the failures, by position. */
    public BatchResult replaceRoutes(List<Route> routes) {
        BatchResult result = rtnl.replaceRoutes(routes);
        writes.add(result.requests() - result.failures().size());
        return result;
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
        return collectGarbage(desired, receivePorts, managedPorts, snapshot());
    }

    /**
     * As {@link #collectGarbage(Collection, Collection, Set)}, from {@code snapshot} (the full sync's, taken before
     * it ensured the desired tunnels: a link created since is desired, so the snapshot lists every orphan). Links
     * are deleted by name, so one the sync deleted already (still listed) costs a harmless ENODEV.
     */
    public List<String> collectGarbage(Collection<TunnelSpec> desired, Collection<FouPort> receivePorts, Set<Integer> managedPorts,
            TunnelSnapshot snapshot) {
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
        for (Link l : snapshot.ours()) {
            LinkKind.IpTunnel t = (LinkKind.IpTunnel) l.kind();
            if (t.encap().type() != TunnelEncap.Type.NONE) {
                ours.add(t.encap().destinationPort());
            }
            if (!keep.contains(l.name()) && rtnl.deleteLinkIfPresent(l.name())) {
                writes.one();
                removed.add(l.name());
            }
        }
        if (!ours.isEmpty()) {
            for (FouPort p : List.copyOf(snapshot.ports())) {
                if (ours.contains(p.port()) && !neededPorts.contains(p)) {
                    if (fou().delete(p)) {
                        writes.one();
                    }
                    snapshot.closed(p);
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
        if (!ports.isEmpty()) {
            ensurePorts(ports, new TunnelSnapshot(List.of(), () -> fou().ports()));
        }
    }

    /** As {@link #ensureReceivePorts(Collection)}, with the ports known to {@code snapshot} (dumped there once per sync). */
    public void ensurePorts(Collection<FouPort> ports, TunnelSnapshot snapshot) {
        if (ports.isEmpty()) {
            return;
        }
        for (FouPort p : ports) {
            if (!snapshot.ports().contains(p)) {
                if (fou().add(p)) {
                    writes.one();
                }
                snapshot.opened(p);
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
