package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.Routing;

/**
 * The VIPs this node accepts traffic for, each made local by one route in the local table through kube-dummy-if,
 * with this node's address as the preferred source:
 * <pre>local 10.96.0.10 dev kube-dummy-if table local proto kernel scope host src &lt;node IP&gt;</pre>
 * the route kube-router writes for a VIP, without the address it also puts on the dummy link. An address costs
 * the kernel a walk of the link's address list on every add and delete (10,000 VIPs: 10 s of a 25 s full sync in
 * the emulated VM), a route an O(log n) trie insert; a packet to the VIP is delivered locally (and so to IPVS)
 * either way, the node answers ARP for it alike, and a connection from the node itself leaves from the node's
 * address. docs/architecture.md has the measurements and the side effects.
 * <p>
 * A VIP that is local already through another route (an address of this node used as an externalIP) is left to
 * that route. Addresses found on the dummy link (kube-router's, or an older kube-dsr's) are deleted by the next
 * full sync, before its routes are written: deleting a link's last IPv4 address flushes every IPv4 route through
 * the link (fib_disable_ip). Writes are pipelined in batches; runs on the kernel thread.
 */
final class VipRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(VipRoutes.class);
    /** RTPROT_KERNEL, as kube-router writes the route. */
    private static final int PROTOCOL_KERNEL = 2;

    private final Routing routing;
    /** This node's addresses (its Node object's), in order of preference. */
    private final Supplier<List<InetAddress>> nodeAddresses;
    /** Per family, the first node address configured on this host: the source the routes get. */
    private final Map<AddressFamily, InetAddress> sources = new EnumMap<>(AddressFamily.class);
    /** The VIPs with a local route through the dummy link, and that route's preferred source (null: none). */
    private final Map<InetAddress, InetAddress> held = new HashMap<>();
    /** Addresses on the dummy link: VIPs as kube-router keeps them, deleted by the next sync. */
    private final List<Address> legacy = new ArrayList<>();
    /** VIPs that are local through a route that is not ours (another link's address): left alone. */
    private final Set<InetAddress> localElsewhere = new HashSet<>();
    private int linkIndex;

    VipRoutes(Routing routing, Supplier<List<InetAddress>> nodeAddresses) {
        this.routing = routing;
        this.nodeAddresses = nodeAddresses;
    }

    /** The dummy link: the local routes through it are what this class keeps. */
    void useLink(int dummyIndex) {
        linkIndex = dummyIndex;
    }

    /** How many VIPs it holds a route for, how many addresses it is yet to migrate, and the VIPs left to others. */
    void cacheSizes(Map<String, Integer> out) {
        out.put("vips_held", held.size());
        out.put("vip_legacy_addresses", legacy.size());
        out.put("vips_local_elsewhere", localElsewhere.size());
    }

    /** The VIPs made local through the dummy link, by a route or (until the next sync) an address. Read-only. */
    Set<InetAddress> held() {
        if (legacy.isEmpty()) {
            return Collections.unmodifiableSet(held.keySet());
        }
        Set<InetAddress> all = new HashSet<>(held.keySet());
        legacy.forEach(a -> all.add(a.address()));
        return all;
    }

    /**
     * Reads the local routes through the dummy link, the addresses on it, and which node addresses this host has
     * (start, full resync).
     */
    void reload() {
        legacy.clear();
        Set<InetAddress> elsewhere = new HashSet<>();
        for (Address a : routing.addresses(AddressFamily.UNSPEC)) {
            if (a.linkIndex() != linkIndex) {
                elsewhere.add(a.address());
            } else if (!a.address().isLinkLocalAddress()) {
                legacy.add(a);
            }
        }
        // A preferred source must be a local address (else EINVAL): a node address not on this host is no source.
        sources.clear();
        for (InetAddress a : nodeAddresses.get()) {
            if (elsewhere.contains(a)) {
                sources.putIfAbsent(AddressFamily.of(a), a);
            }
        }
        reloadRoutes();
    }

    private void reloadRoutes() {
        held.clear();
        localElsewhere.clear();
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Route r : routing.routes(f, Route.TABLE_LOCAL)) {
                if (r.type() != RouteType.LOCAL || r.destination().length() != f.maxPrefixLength()
                        || r.destination().address().isLinkLocalAddress()) {
                    continue;
                }
                // IPv6: the kernel's route for an address has metric 0, which no route from user space has.
                boolean ours = r.outputLink() == linkIndex && (f == AddressFamily.INET || r.metric() != 0);
                if (ours) {
                    held.put(r.destination().address(), r.source());
                } else {
                    localElsewhere.add(r.destination().address());
                }
            }
        }
        localElsewhere.removeAll(held.keySet());
    }

    /**
     * Makes exactly the wanted VIPs among {@code candidates} (the VIPs a sync touched, or all for a full resync)
     * local through the dummy link with the node's source; returns the writes issued. A route already gone (ESRCH)
     * counts as removed; an addition refused with EEXIST leaves the VIP to the route in its slot.
     */
    int sync(Collection<InetAddress> candidates, Predicate<InetAddress> wanted) {
        int writes = dropLegacyAddresses();
        List<InetAddress> adds = new ArrayList<>();
        List<InetAddress> deletes = new ArrayList<>();
        List<InetAddress> reroutes = new ArrayList<>();
        for (InetAddress vip : candidates) {
            boolean want = wanted.test(vip) && !localElsewhere.contains(vip);
            if (want && !held.containsKey(vip)) {
                adds.add(vip);
            } else if (!want && held.containsKey(vip)) {
                deletes.add(vip);
            } else if (want && !sameSource(held.get(vip), sources.get(AddressFamily.of(vip)))) {
                reroutes.add(vip);
            }
        }
        List<Route> added = new ArrayList<>(adds.size());
        adds.forEach(vip -> added.add(localRoute(vip)));
        Set<Integer> addFailed = new HashSet<>();
        for (BatchResult.Failure f : routing.addRoutes(added).failures()) {
            addFailed.add(f.index());
            if (f.error().alreadyExists()) {
                // Another route holds the slot (table, destination, metric): an address of this node used as a
                // Service's externalIP is local already. Left to it; a full sync's dump tells it apart again.
                localElsewhere.add(adds.get(f.index()));
                LOG.info("VIP {} already has a route in the local table that is not kube-dsr's; left as it is",
                        IpPrefix.format(adds.get(f.index())));
            } else {
                LOG.warn("{} failed errno={}", f.request().description(), f.error().errno());
            }
        }
        List<Route> replaced = new ArrayList<>(reroutes.size());
        reroutes.forEach(vip -> replaced.add(localRoute(vip)));
        Set<Integer> replaceFailed = failures(routing.replaceRoutes(replaced));
        List<Route> deleted = new ArrayList<>(deletes.size());
        deletes.forEach(vip -> deleted.add(localRoute(vip).withSource(null)));
        Set<Integer> deleteFailed = failures(routing.deleteRoutes(deleted));
        writes += added.size() - addFailed.size() + replaced.size() - replaceFailed.size() + deleted.size() - deleteFailed.size();
        for (int i = 0; i < added.size(); i++) {
            if (!addFailed.contains(i)) {
                held.put(adds.get(i), added.get(i).source());
            }
        }
        for (int i = 0; i < replaced.size(); i++) {
            if (!replaceFailed.contains(i)) {
                held.put(reroutes.get(i), replaced.get(i).source());
            }
        }
        for (int i = 0; i < deleted.size(); i++) {
            if (!deleteFailed.contains(i)) {
                held.remove(deletes.get(i));
            }
        }
        return writes;
    }

    /**
     * Deletes the addresses found on the dummy link, then reads the routes again: the kernel removed the routes it
     * made for them, and with the link's last IPv4 address every IPv4 route through the link.
     */
    private int dropLegacyAddresses() {
        if (legacy.isEmpty()) {
            return 0;
        }
        BatchResult r = routing.deleteAddresses(legacy);
        Set<Integer> failed = failures(r);
        LOG.info("deleted {} VIP addresses from the dummy link (kube-router's form): VIPs are local routes now",
                legacy.size() - failed.size());
        int writes = legacy.size() - failed.size();
        legacy.clear();
        reloadRoutes();
        return writes;
    }

    /** The indexes of a batch that failed; "not found" is not a failure (it is gone already). */
    private static Set<Integer> failures(BatchResult result) {
        Set<Integer> failed = new HashSet<>();
        for (BatchResult.Failure f : result.failures()) {
            if (!f.error().isNotFound()) {
                failed.add(f.index());
                LOG.warn("{} failed errno={}", f.request().description(), f.error().errno());
            }
        }
        return failed;
    }

    private static boolean sameSource(InetAddress a, InetAddress b) {
        return a == null ? b == null : a.equals(b);
    }

    /**
     * {@code local VIP dev kube-dummy-if table local proto kernel}, scope host (IPv4; IPv6 routes have no scope and
     * read back as universe), with the node's source for its family when this host has one.
     */
    private Route localRoute(InetAddress vip) {
        return localRoute(vip, linkIndex, sources.get(AddressFamily.of(vip)));
    }

    /** The local route that makes {@code vip} this node's, through the dummy link, preferring {@code source} (null: none). */
    static Route localRoute(InetAddress vip, int dummyIndex, InetAddress source) {
        AddressFamily f = AddressFamily.of(vip);
        return Route.to(IpPrefix.host(vip)).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL)
                .withScope(f == AddressFamily.INET ? RouteScope.HOST : RouteScope.UNIVERSE).withProtocol(PROTOCOL_KERNEL)
                .withOutputLink(dummyIndex).withSource(source);
    }
}
