package io.kubedsr.netlink.route;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * Links, addresses, routes and rules of one network namespace, over one NETLINK_ROUTE connection.
 * Writes throw {@link NetlinkException} (EEXIST, ENOENT, ENODEV, ...); the batch methods pipeline many
 * writes and return the failures. Not thread-safe, like the connection beneath it.
 */
public final class Rtnetlink implements Routing, AutoCloseable {
    private final NetlinkConnection connection;

    public Rtnetlink(NetlinkConnection connection) {
        if (connection.socket().protocol() != NetlinkProtocol.ROUTE) {
            throw new IllegalArgumentException("rtnetlink needs a NETLINK_ROUTE connection");
        }
        this.connection = connection;
    }

    /** Opens a connection in the calling thread's network namespace. */
    public static Rtnetlink open() {
        return new Rtnetlink(NetlinkConnection.open(NetlinkProtocol.ROUTE));
    }

    public NetlinkConnection connection() {
        return connection;
    }

    // ---- links ----

    public List<Link> links() {
        List<Link> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(RtnlRequests.dumpLinks())) {
            out.add(Link.decode(m));
        }
        return out;
    }

    @Override
    public Optional<Link> link(String name) {
        return getLink(RtnlRequests.getLink(name));
    }

    @Override
    public Optional<Link> link(int index) {
        return getLink(RtnlRequests.getLink(index));
    }

    private Optional<Link> getLink(NetlinkRequest request) {
        try {
            for (NetlinkMessage m : connection.execute(request)) {
                return Optional.of(Link.decode(m));
            }
            return Optional.empty();
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Creates a link and returns it as the kernel reports it; EEXIST if the name is taken. */
    @Override
    public Link addLink(String name, LinkKind kind) {
        return addLink(name, kind, 0);
    }

    public Link addLink(String name, LinkKind kind, int mtu) {
        connection.execute(RtnlRequests.addLink(name, kind, mtu));
        return link(name).orElseThrow(() -> new IllegalStateException("link " + name + " vanished after creation"));
    }

    /**
     * Changes an existing ipip/ip6tnl link in place (its index, routes and addresses stay): endpoints, TTL and
     * encapsulation become {@code kind}'s, and the MTU {@code mtu} unless 0. Returns the link as the kernel
     * reports it afterwards. EEXIST if another tunnel already has these endpoints.
     */
    public Link changeTunnel(int index, LinkKind.IpTunnel kind, int mtu) {
        connection.execute(RtnlRequests.changeTunnel(index, kind, mtu));
        return link(index).orElseThrow(() -> new IllegalStateException("link #" + index + " vanished after a change"));
    }

    @Override
    public void deleteLink(int index) {
        connection.execute(RtnlRequests.deleteLink(index));
    }

    public void deleteLink(String name) {
        connection.execute(RtnlRequests.deleteLink(name));
    }

    /** Deletes the link if it exists; returns whether it did. */
    public boolean deleteLinkIfPresent(String name) {
        try {
            deleteLink(name);
            return true;
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public void setUp(int index) {
        connection.execute(RtnlRequests.setLinkUp(index, true));
    }

    public void setDown(int index) {
        connection.execute(RtnlRequests.setLinkUp(index, false));
    }

    public void setMtu(int index, int mtu) {
        connection.execute(RtnlRequests.setLinkMtu(index, mtu));
    }

    public void setMaster(int index, int masterIndex) {
        connection.execute(RtnlRequests.setLinkMaster(index, masterIndex));
    }

    public void moveToNamespace(int index, int namespaceFd) {
        connection.execute(RtnlRequests.moveLinkToNamespace(index, namespaceFd));
    }

    // ---- addresses ----

    public void addAddress(Address address) {
        connection.execute(RtnlRequests.addAddress(address));
    }

    public void deleteAddress(Address address) {
        connection.execute(RtnlRequests.deleteAddress(address));
    }

    @Override
    public BatchResult addAddresses(List<Address> addresses) {
        return batch(addresses, RtnlRequests::addAddress);
    }

    @Override
    public BatchResult deleteAddresses(List<Address> addresses) {
        return batch(addresses, RtnlRequests::deleteAddress);
    }

    /** Addresses of a family (UNSPEC for both). */
    @Override
    public List<Address> addresses(AddressFamily family) {
        List<Address> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(RtnlRequests.dumpAddresses(family))) {
            Address a = Address.decode(m);
            if (family == AddressFamily.UNSPEC || a.family() == family) {
                out.add(a);
            }
        }
        return out;
    }

    public List<Address> addresses(int linkIndex) {
        List<Address> out = new ArrayList<>();
        for (Address a : addresses(AddressFamily.UNSPEC)) {
            if (a.linkIndex() == linkIndex) {
                out.add(a);
            }
        }
        return out;
    }

    // ---- routes ----

    public void addRoute(Route route) {
        connection.execute(RtnlRequests.addRoute(route));
    }

    public void replaceRoute(Route route) {
        connection.execute(RtnlRequests.replaceRoute(route));
    }

    public void deleteRoute(Route route) {
        connection.execute(RtnlRequests.deleteRoute(route));
    }

    /** Adds many routes in pipelined batches; returns the failures instead of throwing. */
    @Override
    public BatchResult addRoutes(Collection<Route> routes) {
        return batch(routes, RtnlRequests::addRoute);
    }

    @Override
    public BatchResult deleteRoutes(Collection<Route> routes) {
        return batch(routes, RtnlRequests::deleteRoute);
    }

    @Override
    public BatchResult replaceRoutes(Collection<Route> routes) {
        return batch(routes, RtnlRequests::replaceRoute);
    }

    /** Routes of a family in one table (254 main, 255 local, or a custom table). */
    @Override
    public List<Route> routes(AddressFamily family, int table) {
        List<Route> out = new ArrayList<>();
        List<NetlinkMessage> dump;
        try {
            dump = connection.dump(RtnlRequests.dumpRoutes(family, table));
        } catch (NetlinkException e) {
            // With strict checking the kernel answers a dump of a table that has never held a route with
            // ENOENT ("FIB table does not exist"): an empty table.
            if (e.errno() == Errno.ENOENT) {
                return out;
            }
            throw e;
        }
        for (NetlinkMessage m : dump) {
            Route r = Route.decode(m);
            // Without strict checking (kernels before 4.20) the dump holds every table: filter here too.
            if (r.table() == table) {
                out.add(r);
            }
        }
        return out;
    }

    // ---- rules ----

    public void addRule(Rule rule) {
        connection.execute(RtnlRequests.addRule(rule));
    }

    public void deleteRule(Rule rule) {
        connection.execute(RtnlRequests.deleteRule(rule));
    }

    @Override
    public BatchResult addRules(Collection<Rule> rules) {
        return batch(rules, RtnlRequests::addRule);
    }

    @Override
    public BatchResult deleteRules(Collection<Rule> rules) {
        return batch(rules, RtnlRequests::deleteRule);
    }

    /** Runs one request per item, pipelined (one datagram per batch), and returns the failures. */
    private <T> BatchResult batch(Collection<T> items, Function<T, NetlinkRequest> encode) {
        if (items.isEmpty()) {
            return new BatchResult(0, List.of());
        }
        List<NetlinkRequest> requests = new ArrayList<>(items.size());
        for (T item : items) {
            requests.add(encode.apply(item));
        }
        return connection.executeBatch(requests);
    }

    @Override
    public List<Rule> rules(AddressFamily family) {
        List<Rule> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(RtnlRequests.dumpRules(family))) {
            out.add(Rule.decode(m));
        }
        return out;
    }

    @Override
    public void close() {
        connection.close();
    }
}
