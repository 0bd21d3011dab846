package io.kubedsr.proxy.dsr;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.Routing;
import io.kubedsr.netlink.route.Rule;
import io.kubedsr.proxy.kernel.Ownership;

/**
 * Policy routing of the DSR director: a packet marked for a DSR service is delivered locally, where IPVS's
 * fwmark service takes it, although its destination (the VIP) is no address of this node. That takes table
 * {@value #TABLE} holding {@code local default dev lo} and, per mark, {@code ip rule prio 32764 fwmark M lookup 78}
 * (kube-router's numbers), for IPv4 and IPv6. Which rules are kube-dsr's is {@link Ownership#isDsrRule}'s
 * answer; others are left alone.
 */
public final class DsrRouting {
    public static final int TABLE = 78;
    public static final int RULE_PRIORITY = 32764;

    private final Routing routing;
    /** Per family, the rule marks present after {@link #addMissing}, until the pass's {@link #removeUnwanted}. */
    private final Map<AddressFamily, Set<Integer>> seenRules = new HashMap<>();

    public DsrRouting(Routing routing) {
        this.routing = routing;
    }

    /** How many rule marks it knows of, over both families. */
    int cachedRules() {
        int n = 0;
        for (Set<Integer> marks : seenRules.values()) {
            n += marks.size();
        }
        return n;
    }

    /**
     * Adds what {@code marks} need (rules, the local default route); returns the writes issued. The rules go in
     * pipelined batches: one request round trip per 256 rules, not per rule.
     */
    public int addMissing(Map<AddressFamily, Set<Integer>> marks) {
        seenRules.clear(); // nothing carried over from a pass that failed halfway
        int writes = 0;
        for (AddressFamily family : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            Set<Integer> wanted = marks.getOrDefault(family, Set.of());
            if (wanted.isEmpty()) {
                continue;
            }
            if (localDefault(family) == null) {
                Route local = Route.to(new IpPrefix(family.anyAddress(), 0)).withTable(TABLE).withType(RouteType.LOCAL)
                        .withScope(RouteScope.HOST).withOutputLink(loopback());
                writes += run(routing.addRoutes(List.of(local)), 1, true);
            }
            Set<Integer> present = ruleMarks(family);
            List<Rule> adds = new ArrayList<>();
            for (int mark : wanted) {
                if (!present.contains(mark)) {
                    adds.add(Rule.fwmark(family, RULE_PRIORITY, mark, TABLE));
                }
            }
            writes += run(routing.addRules(adds), adds.size(), true);
            present.addAll(wanted);
            seenRules.put(family, present);
        }
        return writes;
    }

    /** Removes rules of ours for marks not in {@code marks}, and the local default route of a family with none. */
    public int removeUnwanted(Map<AddressFamily, Set<Integer>> marks) {
        int writes = 0;
        for (AddressFamily family : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            Set<Integer> wanted = marks.getOrDefault(family, Set.of());
            // The rules addMissing just read and wrote, if it ran for this family in this pass: no second dump.
            Set<Integer> present = seenRules.containsKey(family) ? seenRules.get(family) : ruleMarks(family);
            List<Rule> deletes = new ArrayList<>();
            for (int mark : present) {
                if (!wanted.contains(mark)) {
                    deletes.add(Rule.fwmark(family, RULE_PRIORITY, mark, TABLE));
                }
            }
            writes += run(routing.deleteRules(deletes), deletes.size(), false);
            Route local = wanted.isEmpty() ? localDefault(family) : null;
            if (local != null) {
                writes += run(routing.deleteRoutes(List.of(local)), 1, false);
            }
        }
        seenRules.clear();
        return writes;
    }

    /**
     * An add that finds its object (EEXIST) or a delete that finds none is done; any other failure is thrown (the
     * sync fails and is retried). Returns the writes issued.
     */
    private static int run(BatchResult result, int issued, boolean adds) {
        for (BatchResult.Failure f : result.failures()) {
            if (!(adds ? f.error().alreadyExists() : f.error().isNotFound())) {
                throw f.error();
            }
        }
        return issued;
    }

    /** The marks of kube-dsr's DSR rules of the family. */
    public Set<Integer> ruleMarks(AddressFamily family) {
        Set<Integer> out = new HashSet<>();
        for (Rule r : routing.rules(family)) {
            if (Ownership.isDsrRule(r)) {
                out.add((int) r.fwmark());
            }
        }
        return out;
    }

    private Route localDefault(AddressFamily family) {
        for (Route r : routing.routes(family, TABLE)) {
            if (r.type() == RouteType.LOCAL && r.destination().length() == 0) {
                return r;
            }
        }
        return null;
    }

    private int loopback() {
        return routing.link("lo").orElseThrow(() -> new IllegalStateException("no loopback link")).index();
    }
}
