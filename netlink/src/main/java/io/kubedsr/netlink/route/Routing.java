package io.kubedsr.netlink.route;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;

/**
 * The rtnetlink operations the service engine needs (its VIPs, their local routes, DSR's policy rules and
 * table), as one narrow seam. {@link Rtnetlink} is the kernel's; engine tests use an in-memory one that a
 * contract test holds to the kernel's answers (RoutingContract runs the same cases against both). Batches
 * are pipelined and return their failures, typed by errno, instead of throwing.
 */
public interface Routing {
    Optional<Link> link(String name);

    Optional<Link> link(int index);

    /** Creates a link; EEXIST if the name is taken. */
    Link addLink(String name, LinkKind kind);

    void setUp(int index);

    /** ENODEV if there is none. */
    void deleteLink(int index);

    /** Addresses of a family (UNSPEC for both). */
    List<Address> addresses(AddressFamily family);

    /** EEXIST for an address already on the link. */
    BatchResult addAddresses(List<Address> addresses);

    /** EADDRNOTAVAIL for an address not on the link. */
    BatchResult deleteAddresses(List<Address> addresses);

    /** Routes of a family in one table; a table that never held a route is empty. */
    List<Route> routes(AddressFamily family, int table);

    /** EEXIST when a route with the same destination, table and metric exists. */
    BatchResult addRoutes(Collection<Route> routes);

    BatchResult replaceRoutes(Collection<Route> routes);

    /** ESRCH for a route that is not there. */
    BatchResult deleteRoutes(Collection<Route> routes);

    List<Rule> rules(AddressFamily family);

    /** EEXIST for an equal rule (added exclusively). */
    BatchResult addRules(Collection<Rule> rules);

    /** ENOENT for a rule that is not there. */
    BatchResult deleteRules(Collection<Rule> rules);
}
