package io.kubedsr.proxy.overlay;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Route;

/**
 * One dump of a routing table, indexed by destination and by output link, so that comparing one peer's routes
 * reads only the routes that concern it instead of the whole table (a full sync of N peers: N lookups, not N
 * scans of N routes).
 */
final class TableRoutes {
    private final List<Route> all;
    private final Map<IpPrefix, List<Route>> byDestination = new HashMap<>();
    private final Map<Integer, List<Route>> byLink = new HashMap<>();

    TableRoutes(List<Route> dump) {
        this.all = List.copyOf(dump);
        for (Route r : all) {
            byDestination.computeIfAbsent(key(r.destination()), k -> new ArrayList<>()).add(r);
            if (r.outputLink() != 0) {
                byLink.computeIfAbsent(r.outputLink(), k -> new ArrayList<>()).add(r);
            }
        }
    }

    List<Route> all() {
        return all;
    }

    /** The routes to {@code destination} (any length of host bits set: compared by network). */
    List<Route> to(IpPrefix destination) {
        return byDestination.getOrDefault(key(destination), List.of());
    }

    /**
     * What RoutePlan needs to compare a link's wanted routes with the table: the routes through the link (those
     * not wanted any more get deleted) and the routes to its destinations (satisfied, or replaced).
     */
    List<Route> forLink(int linkIndex, Collection<IpPrefix> destinations) {
        List<Route> out = new ArrayList<>();
        for (IpPrefix d : destinations) {
            for (Route r : to(d)) {
                if (r.outputLink() != linkIndex) {
                    out.add(r);
                }
            }
        }
        out.addAll(byLink.getOrDefault(linkIndex, List.of()));
        return out;
    }

    private static IpPrefix key(IpPrefix p) {
        return new IpPrefix(p.network(), p.length());
    }
}
