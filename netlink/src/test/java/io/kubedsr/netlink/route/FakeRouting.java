package io.kubedsr.netlink.route;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * An in-memory namespace that answers the {@link Routing} operations as the kernel does, in what the service
 * engine relies on (RoutingContract runs the same cases against it and against the kernel): links with
 * {@code lo} up; an address on a link that is up brings the kernel's routes (IPv4: local route with the
 * address as source, the prefix route and the broadcast route; IPv6: local route of metric 0 without source);
 * deleting an address removes the IPv4 routes whose source it is and its IPv6 local route, and leaves a local
 * route whose source was replaced, unless it was the link's last IPv4 address (then every IPv4 route through
 * the link goes, routes without an address of their own too); IPv6 routes from user space get metric 1024 and
 * read back with scope universe; deletes match what they name
 * (scope and protocol are wildcards); the default rules; EEXIST, ENODEV, EADDRNOTAVAIL, ESRCH and ENOENT
 * where the kernel answers them.
 */
public final class FakeRouting implements Routing {
    /** RTPROT_KERNEL: routes the kernel makes for addresses. */
    private static final int PROTOCOL_KERNEL = 2;
    /** IP6_RT_PRIO_USER: the metric of an IPv6 route added without one. */
    private static final int IPV6_USER_METRIC = 1024;
    private static final int IPV6_PREFIX_METRIC = 256;

    private final Map<Integer, Link> links = new TreeMap<>();
    private final List<Address> addresses = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private final Map<AddressFamily, List<Rule>> rules = new EnumMap<>(AddressFamily.class);
    private int nextIndex = 1;
    private long writes;

    public FakeRouting() {
        Link lo = newLink("lo", new LinkKind.Other(""), 65536);
        links.put(lo.index(), up(lo, true));
        rules.put(AddressFamily.INET, new ArrayList<>(List.of(new Rule(AddressFamily.INET, 0, 0, 0, null, null, 255),
                new Rule(AddressFamily.INET, 32766, 0, 0, null, null, 254), new Rule(AddressFamily.INET, 32767, 0, 0, null, null, 253))));
        rules.put(AddressFamily.INET6, new ArrayList<>(List.of(new Rule(AddressFamily.INET6, 0, 0, 0, null, null, 255),
                new Rule(AddressFamily.INET6, 32766, 0, 0, null, null, 254))));
    }

    /** Writes attempted so far (each element of a batch, each link change). */
    public long writes() {
        return writes;
    }

    private Link newLink(String name, LinkKind kind, int mtu) {
        return new Link(nextIndex++, name, 0, mtu, 0, new byte[6], kind);
    }

    private static Link up(Link l, boolean up) {
        int flags = up ? l.flags() | RtnlConstants.IFF_UP : l.flags() & ~RtnlConstants.IFF_UP;
        return new Link(l.index(), l.name(), flags, l.mtu(), l.masterIndex(), l.hardwareAddress(), l.kind());
    }

    private static NetlinkException error(String what, Errno errno) {
        return new NetlinkException(what, errno);
    }

    // ---- links ----

    @Override
    public Optional<Link> link(String name) {
        return links.values().stream().filter(l -> l.name().equals(name)).findFirst();
    }

    @Override
    public Optional<Link> link(int index) {
        return Optional.ofNullable(links.get(index));
    }

    @Override
    public Link addLink(String name, LinkKind kind) {
        writes++;
        if (link(name).isPresent()) {
            throw error("add link " + name, Errno.EEXIST);
        }
        Link l = newLink(name, kind, 1500);
        links.put(l.index(), l);
        return l;
    }

    @Override
    public void setUp(int index) {
        writes++;
        Link l = links.get(index);
        if (l == null) {
            throw error("set link " + index + " up", Errno.ENODEV);
        }
        if (!l.isUp()) {
            links.put(index, up(l, true));
            for (Address a : addresses) {
                if (a.linkIndex() == index) {
                    kernelRoutes(a).forEach(this::addKernelRoute);
                }
            }
        }
    }

    @Override
    public void deleteLink(int index) {
        writes++;
        if (links.remove(index) == null) {
            throw error("delete link " + index, Errno.ENODEV);
        }
        addresses.removeIf(a -> a.linkIndex() == index);
        routes.removeIf(r -> r.outputLink() == index);
    }

    // ---- addresses ----

    @Override
    public List<Address> addresses(AddressFamily family) {
        return addresses.stream().filter(a -> family == AddressFamily.UNSPEC || a.family() == family).toList();
    }

    @Override
    public BatchResult addAddresses(List<Address> wanted) {
        return batch(wanted, RtnlRequests::addAddress, a -> {
            if (!links.containsKey(a.linkIndex())) {
                throw error("add address " + a, Errno.ENODEV);
            }
            if (addresses.stream().anyMatch(h -> sameAddress(h, a))) {
                throw error("add address " + a, Errno.EEXIST);
            }
            addresses.add(a);
            if (links.get(a.linkIndex()).isUp()) {
                kernelRoutes(a).forEach(this::addKernelRoute);
            }
        });
    }

    @Override
    public BatchResult deleteAddresses(List<Address> gone) {
        return batch(gone, RtnlRequests::deleteAddress, a -> {
            Address held = addresses.stream().filter(h -> sameAddress(h, a)).findFirst()
                    .orElseThrow(() -> error("delete address " + a, Errno.EADDRNOTAVAIL));
            addresses.remove(held);
            InetAddress ip = held.address();
            if (held.family() == AddressFamily.INET) {
                // fib_del_ifaddr: the routes made for the address, found by their source; a replaced local route stays.
                routes.removeIf(r -> r.protocol() == PROTOCOL_KERNEL && ip.equals(r.source()) && r.outputLink() == held.linkIndex());
                // fib_disable_ip: a link left without IPv4 addresses loses every IPv4 route through it.
                if (addresses.stream().noneMatch(x -> x.linkIndex() == held.linkIndex() && x.family() == AddressFamily.INET)) {
                    routes.removeIf(r -> r.family() == AddressFamily.INET && r.outputLink() == held.linkIndex());
                }
            } else {
                routes.removeIf(r -> r.type() == RouteType.LOCAL && r.metric() == 0 && r.destination().equals(IpPrefix.host(ip))
                        && r.outputLink() == held.linkIndex());
            }
        });
    }

    private static boolean sameAddress(Address a, Address b) {
        return a.linkIndex() == b.linkIndex() && a.address().equals(b.address()) && a.prefix().length() == b.prefix().length();
    }

    /** The routes the kernel makes for an address on a link that is up. */
    private static List<Route> kernelRoutes(Address a) {
        List<Route> out = new ArrayList<>();
        InetAddress ip = a.address();
        int link = a.linkIndex();
        IpPrefix host = IpPrefix.host(ip);
        if (a.family() == AddressFamily.INET) {
            out.add(Route.to(host).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL).withScope(RouteScope.HOST)
                    .withProtocol(PROTOCOL_KERNEL).withSource(ip).withOutputLink(link));
            if (a.prefix().length() < 32) {
                IpPrefix net = new IpPrefix(a.prefix().network(), a.prefix().length());
                out.add(Route.to(net).withScope(RouteScope.LINK).withProtocol(PROTOCOL_KERNEL).withSource(ip).withOutputLink(link));
            }
            if (a.prefix().length() < 31) {
                out.add(Route.to(IpPrefix.host(broadcast(a.prefix()))).withTable(Route.TABLE_LOCAL).withType(RouteType.BROADCAST)
                        .withScope(RouteScope.LINK).withProtocol(PROTOCOL_KERNEL).withSource(ip).withOutputLink(link));
            }
        } else {
            out.add(Route.to(host).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL).withScope(RouteScope.UNIVERSE)
                    .withProtocol(PROTOCOL_KERNEL).withOutputLink(link));
            if (a.prefix().length() < 128) {
                out.add(Route.to(new IpPrefix(a.prefix().network(), a.prefix().length())).withProtocol(PROTOCOL_KERNEL)
                        .withScope(RouteScope.UNIVERSE).withOutputLink(link).withMetric(IPV6_PREFIX_METRIC));
            }
        }
        return out;
    }

    private static InetAddress broadcast(IpPrefix p) {
        byte[] b = p.network().getAddress();
        for (int bit = p.length(); bit < 32; bit++) {
            b[bit / 8] |= (byte) (0x80 >>> (bit % 8));
        }
        return addressOf(b);
    }

    private static InetAddress addressOf(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void addKernelRoute(Route r) {
        if (routes.stream().noneMatch(h -> sameSlot(h, r))) {
            routes.add(r);
        }
    }

    // ---- routes ----

    @Override
    public List<Route> routes(AddressFamily family, int table) {
        return routes.stream().filter(r -> r.family() == family && r.table() == table).toList();
    }

    /** IPv6 routes from user space without a metric get IP6_RT_PRIO_USER; IPv6 routes have no scope (universe). */
    private static Route fromUser(Route r) {
        if (r.family() != AddressFamily.INET6) {
            return r;
        }
        Route universe = r.withScope(RouteScope.UNIVERSE);
        return r.metric() == 0 ? universe.withMetric(IPV6_USER_METRIC) : universe;
    }

    /** The kernel's identity of a route: table, destination (and tos, always 0 here) and metric. */
    private static boolean sameSlot(Route a, Route b) {
        return a.family() == b.family() && a.table() == b.table() && a.destination().equals(b.destination())
                && a.metric() == b.metric();
    }

    private void checkRoute(Route r, String what) {
        if (r.outputLink() != 0 && !links.containsKey(r.outputLink())) {
            throw error(what + " " + r, Errno.ENODEV);
        }
        // A preferred source must be an address of this namespace ("Invalid prefsrc address").
        if (r.source() != null && addresses.stream().noneMatch(a -> a.address().equals(r.source()))) {
            throw error(what + " " + r, Errno.EINVAL);
        }
    }

    @Override
    public BatchResult addRoutes(Collection<Route> wanted) {
        return batch(wanted, RtnlRequests::addRoute, given -> {
            Route r = fromUser(given);
            checkRoute(r, "add route");
            if (routes.stream().anyMatch(h -> sameSlot(h, r))) {
                throw error("add route " + r, Errno.EEXIST);
            }
            routes.add(r);
        });
    }

    @Override
    public BatchResult replaceRoutes(Collection<Route> wanted) {
        return batch(wanted, RtnlRequests::replaceRoute, given -> {
            Route r = fromUser(given);
            checkRoute(r, "replace route");
            for (int i = 0; i < routes.size(); i++) {
                if (sameSlot(routes.get(i), r)) {
                    routes.set(i, r);
                    return;
                }
            }
            routes.add(r);
        });
    }

    @Override
    public BatchResult deleteRoutes(Collection<Route> gone) {
        return batch(gone, RtnlRequests::deleteRoute, r -> {
            for (int i = 0; i < routes.size(); i++) {
                if (deleteMatches(r, routes.get(i))) {
                    routes.remove(i);
                    return;
                }
            }
            throw error("delete route " + r, Errno.ESRCH);
        });
    }

    /** A delete names table, destination and type; source, output link and metric only when given. */
    private static boolean deleteMatches(Route asked, Route held) {
        return asked.family() == held.family() && asked.table() == held.table() && asked.destination().equals(held.destination())
                && asked.type() == held.type() && (asked.source() == null || asked.source().equals(held.source()))
                && (asked.outputLink() == 0 || asked.outputLink() == held.outputLink())
                && (asked.metric() == 0 || asked.metric() == held.metric());
    }

    // ---- rules ----

    @Override
    public List<Rule> rules(AddressFamily family) {
        return List.copyOf(rules.get(family));
    }

    @Override
    public BatchResult addRules(Collection<Rule> wanted) {
        return batch(wanted, RtnlRequests::addRule, r -> {
            List<Rule> held = rules.get(r.family());
            if (held.contains(r)) {
                throw error("add rule " + r, Errno.EEXIST);
            }
            int at = 0;
            while (at < held.size() && held.get(at).priority() <= r.priority()) {
                at++;
            }
            held.add(at, r);
        });
    }

    @Override
    public BatchResult deleteRules(Collection<Rule> gone) {
        return batch(gone, RtnlRequests::deleteRule, r -> {
            if (!rules.get(r.family()).remove(r)) {
                throw error("delete rule " + r, Errno.ENOENT);
            }
        });
    }

    // ---- batches ----

    private interface Change<T> {
        void apply(T item);
    }

    /** Applies every item, as a pipelined batch does, collecting the failures with their request. */
    private <T> BatchResult batch(Collection<T> items, Function<T, NetlinkRequest> encode, Change<T> change) {
        List<BatchResult.Failure> failures = new ArrayList<>();
        int i = 0;
        for (T item : items) {
            writes++;
            try {
                change.apply(item);
            } catch (NetlinkException e) {
                failures.add(new BatchResult.Failure(i, encode.apply(item), e));
            }
            i++;
        }
        return new BatchResult(items.size(), failures);
    }

    @Override
    public String toString() {
        return "FakeRouting" + Objects.toString(links.values().stream().map(Link::name).toList());
    }
}
