package io.kubedsr.tunnel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Route;

/**
 * The difference between the routes a link has in a table and the routes it should have: which to replace
 * (missing, or present with another source, gateway or device) and which to delete (routes of the link that
 * are no longer wanted). Pure: computed from two lists, applied by {@link NodeTunnels}.
 */
public record RoutePlan(List<Route> toReplace, List<Route> toDelete) {
    /**
     * RTPROT_KERNEL: routes the kernel made for the link itself, such as the fe80::/64 an ip6tnl link gets with
     * its link-local address. Not ours to delete (the kernel puts it back, so each sync would delete it again).
     */
    static final int PROTOCOL_KERNEL = 2;

    public static RoutePlan compute(int linkIndex, Collection<Route> existing, Collection<Route> wanted) {
        Map<IpPrefix, Route> byDestination = new HashMap<>();
        for (Route w : wanted) {
            byDestination.put(w.destination(), w);
        }
        List<Route> toDelete = new ArrayList<>();
        Map<IpPrefix, Route> satisfied = new HashMap<>();
        for (Route r : existing) {
            Route w = byDestination.get(r.destination());
            if (w != null && sameForwarding(r, w)) {
                satisfied.put(r.destination(), r);
            } else if (w == null && r.outputLink() == linkIndex && r.protocol() != PROTOCOL_KERNEL) {
                toDelete.add(r);
            }
        }
        List<Route> toReplace = new ArrayList<>();
        for (Route w : wanted) {
            if (!satisfied.containsKey(w.destination())) {
                toReplace.add(w);
            }
        }
        return new RoutePlan(List.copyOf(toReplace), List.copyOf(toDelete));
    }

    private static boolean sameForwarding(Route a, Route b) {
        return a.outputLink() == b.outputLink() && a.table() == b.table() && a.type() == b.type()
                && Objects.equals(a.source(), b.source()) && Objects.equals(a.gateway(), b.gateway());
    }

    public boolean isEmpty() {
        return toReplace.isEmpty() && toDelete.isEmpty();
    }
}
