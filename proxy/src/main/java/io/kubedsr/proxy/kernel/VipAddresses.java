package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * The VIPs on kube-dummy-if, as kube-router keeps them: each a /32 (/128) address, and for IPv4 its route in the
 * local table replaced by one with this node's address as the preferred source. The kernel's own local route for an
 * address has the address itself as source, so a process on the node reaching a Service would send from the
 * VIP, and replies to the VIP from a pod on another node would go to that node's own copy of the VIP. Writes
 * are pipelined in batches; runs on the kernel thread.
 */
final class VipAddresses {
    private static final Logger LOG = LoggerFactory.getLogger(VipAddresses.class);
    /** RTPROT_KERNEL, as the route the kernel made for the address (and as kube-router writes it). */
    private static final int PROTOCOL_KERNEL = 2;

    private final Routing routing;
    /** This node's addresses (its Node object's), in order of preference. */
    private final Supplier<List<InetAddress>> nodeAddresses;
    /** Per family, the first node address configured on this host: the source the local routes get. */
    private final Map<AddressFamily, InetAddress> sources = new HashMap<>();
    private final Set<InetAddress> held = new HashSet<>();
    /** The preferred source of each held VIP's local route on the dummy link, as last dumped or written. */
    private final Map<InetAddress, InetAddress> routeSource = new HashMap<>();
    private int linkIndex;

    VipAddresses(Routing routing, Supplier<List<InetAddress>> nodeAddresses) {
        this.routing = routing;
        this.nodeAddresses = nodeAddresses;
    }

    /** The dummy link: its host addresses and their local routes are what this class keeps. */
    void useLink(int dummyIndex) {
        linkIndex = dummyIndex;
    }

    /** How many VIPs it holds and knows the local route of. */
    void cacheSizes(Map<String, Integer> out) {
        out.put("vips_held", held.size());
        out.put("vip_route_sources", routeSource.size());
    }

    /** The VIPs kube-dummy-if holds (read-only view). */
    Set<InetAddress> held() {
        return Collections.unmodifiableSet(held);
    }

    /**
     * Reads the dummy link's host addresses and their local routes from the kernel, and which node addresses
     * this host has (start, full resync).
     */
    void reload() {
        held.clear();
        routeSource.clear();
        Set<InetAddress> elsewhere = new HashSet<>();
        for (Address a : routing.addresses(AddressFamily.UNSPEC)) {
            if (a.linkIndex() != linkIndex) {
                elsewhere.add(a.address());
            } else if (a.prefix().length() == a.family().maxPrefixLength() && !a.address().isLinkLocalAddress()) {
                held.add(a.address());
            }
        }
        // A preferred source must be a local address (else EINVAL): a node address not on this host is no source.
        // IPv4 only: an IPv6 address's local route has metric 0, which no route from user space can have, so a
        // replace would add a second route that lookups never use (RouteHostKernelTest shows it).
        sources.clear();
        for (InetAddress a : nodeAddresses.get()) {
            if (elsewhere.contains(a) && AddressFamily.of(a) == AddressFamily.INET) {
                sources.putIfAbsent(AddressFamily.INET, a);
            }
        }
        if (held.isEmpty()) {
            return;
        }
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Route r : routing.routes(f, Route.TABLE_LOCAL)) {
                if (r.outputLink() == linkIndex && r.type() == RouteType.LOCAL
                        && r.destination().length() == f.maxPrefixLength() && r.source() != null) {
                    routeSource.put(r.destination().address(), r.source());
                }
            }
        }
    }

    /**
     * Makes the link hold exactly the wanted VIPs among {@code candidates} (the VIPs a sync touched, or all for a
     * full resync), and their local routes the node's source; returns the writes issued. An address already
     * there (EEXIST) or already gone, and a route already gone, count as done.
     */
    int sync(Collection<InetAddress> candidates, Predicate<InetAddress> wanted) {
        List<InetAddress> adds = new ArrayList<>();
        List<InetAddress> deletes = new ArrayList<>();
        List<InetAddress> reroutes = new ArrayList<>();
        for (InetAddress vip : candidates) {
            boolean want = wanted.test(vip);
            if (want && !held.contains(vip)) {
                adds.add(vip);
            } else if (!want && held.contains(vip)) {
                deletes.add(vip);
            } else if (want && needsRoute(vip)) {
                reroutes.add(vip);
            }
        }
        int writes = 0;
        // Addresses first, on their own: a local route must not be written for an address the kernel refused.
        List<Address> added = new ArrayList<>(adds.size());
        adds.forEach(vip -> added.add(address(vip)));
        Set<Integer> addFailed = failures(routing.addAddresses(added), true);
        List<Address> deleted = new ArrayList<>(deletes.size());
        deletes.forEach(vip -> deleted.add(address(vip)));
        Set<Integer> deleteFailed = failures(routing.deleteAddresses(deleted), false);
        writes += adds.size() - addFailed.size() + deletes.size() - deleteFailed.size();
        for (int i = 0; i < adds.size(); i++) {
            if (!addFailed.contains(i)) {
                held.add(adds.get(i));
                routeSource.remove(adds.get(i)); // the kernel's new route has the VIP as source
                if (needsRoute(adds.get(i))) {
                    reroutes.add(adds.get(i));
                }
            }
        }
        List<Route> unrouted = new ArrayList<>();
        for (int i = 0; i < deletes.size(); i++) {
            if (!deleteFailed.contains(i)) {
                held.remove(deletes.get(i));
                // The kernel removes only the local route whose source is the address: ours stays until deleted
                // (unless that was the link's last address: then every route through the link goes, and the
                // delete below finds none, which counts as done).
                InetAddress source = routeSource.remove(deletes.get(i));
                if (source != null && !source.equals(deletes.get(i))) {
                    unrouted.add(localRoute(deletes.get(i)));
                }
            }
        }
        List<Route> replaced = new ArrayList<>(reroutes.size());
        for (InetAddress vip : reroutes) {
            replaced.add(localRoute(vip).withSource(sources.get(AddressFamily.of(vip))));
        }
        Set<Integer> replaceFailed = failures(routing.replaceRoutes(replaced), false);
        Set<Integer> unrouteFailed = failures(routing.deleteRoutes(unrouted), false);
        writes += replaced.size() - replaceFailed.size() + unrouted.size() - unrouteFailed.size();
        for (int i = 0; i < replaced.size(); i++) {
            if (!replaceFailed.contains(i)) {
                routeSource.put(reroutes.get(i), replaced.get(i).source());
            }
        }
        return writes;
    }

    /** Whether the VIP's local route lacks the node's source (there is one for its family). */
    private boolean needsRoute(InetAddress vip) {
        InetAddress source = sources.get(AddressFamily.of(vip));
        return source != null && !source.equals(routeSource.get(vip));
    }

    /**
     * The indexes of a batch that failed. For additions EEXIST is success (the kernel holds it already); for the
     * rest "not found" is (it is gone already).
     */
    private static Set<Integer> failures(BatchResult result, boolean additions) {
        Set<Integer> failed = new HashSet<>();
        for (BatchResult.Failure f : result.failures()) {
            boolean done = additions ? f.error().alreadyExists() : f.error().isNotFound();
            if (!done) {
                failed.add(f.index());
                LOG.warn("{} failed errno={}", f.request().description(), f.error().errno());
            }
        }
        return failed;
    }

    private Address address(InetAddress vip) {
        return new Address(linkIndex, IpPrefix.host(vip), RouteScope.UNIVERSE, AddressFamily.of(vip) == AddressFamily.INET6);
    }

    /** local VIP dev kube-dummy-if table local proto kernel scope host (the source is added when replacing). */
    private Route localRoute(InetAddress vip) {
        return Route.to(IpPrefix.host(vip)).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL).withScope(RouteScope.HOST)
                .withProtocol(PROTOCOL_KERNEL).withOutputLink(linkIndex);
    }
}
