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
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.RtnlRequests;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.netlink.route.Rule;

/**
 * Policy routing of the DSR director: a packet marked for a DSR service is delivered locally, where IPVS's
 * fwmark service takes it, although its destination (the VIP) is no address of this node. That takes table
 * {@value #TABLE} holding {@code local default dev lo} and, per mark, {@code ip rule prio 32764 fwmark M lookup 78}
 * (kube-router's numbers), for IPv4 and IPv6. Rules of that priority and table with a mark in the DSR range are
 * kube-dsr's; others are left alone.
 */
public final class DsrRouting {
    public static final int TABLE = 78;
    public static final int RULE_PRIORITY = 32764;

    private final Rtnetlink rtnl;
    /** Per family, the rule marks present after {@link #addMissing}, until the pass's {@link #removeUnwanted}. */
    private final Map<AddressFamily, Set<Integer>> seenRules = new HashMap<>();

    public DsrRouting(Rtnetlink rtnl) {
        this.rtnl = rtnl;
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
                rtnl.addRoute(Route.to(new IpPrefix(family.anyAddress(), 0)).withTable(TABLE).withType(RouteType.LOCAL)
                        .withScope(RouteScope.HOST).withOutputLink(loopback()));
                writes++;
            }
            Set<Integer> present = ruleMarks(family);
            List<NetlinkRequest> adds = new ArrayList<>();
            for (int mark : wanted) {
                if (!present.contains(mark)) {
                    adds.add(RtnlRequests.addRule(Rule.fwmark(family, RULE_PRIORITY, mark, TABLE)));
                }
            }
            writes += run(adds, true);
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
            List<NetlinkRequest> deletes = new ArrayList<>();
            for (int mark : present) {
                if (!wanted.contains(mark)) {
                    deletes.add(RtnlRequests.deleteRule(Rule.fwmark(family, RULE_PRIORITY, mark, TABLE)));
                }
            }
            writes += run(deletes, false);
            Route local = wanted.isEmpty() ? localDefault(family) : null;
            if (local != null) {
                rtnl.deleteRoute(local);
                writes++;
            }
        }
        seenRules.clear();
        return writes;
    }

    /**
     * Runs rule writes pipelined; an add that finds its rule (EEXIST) or a delete that finds none is done, any
     * other failure is thrown (the sync fails and is retried). Returns the writes issued.
     */
    private int run(List<NetlinkRequest> requests, boolean adds) {
        if (requests.isEmpty()) {
            return 0;
        }
        for (BatchResult.Failure f : rtnl.connection().executeBatch(requests).failures()) {
            if (!(adds ? f.error().alreadyExists() : f.error().isNotFound())) {
                throw f.error();
            }
        }
        return requests.size();
    }

    /** The marks of kube-dsr's DSR rules of the family. */
    public Set<Integer> ruleMarks(AddressFamily family) {
        Set<Integer> out = new HashSet<>();
        for (Rule r : rtnl.rules(family)) {
            if (r.priority() == RULE_PRIORITY && r.table() == TABLE && r.fwmask() == 0xFFFFFFFFL && DsrMarks.inRange(r.fwmark())) {
                out.add((int) r.fwmark());
            }
        }
        return out;
    }

    private Route localDefault(AddressFamily family) {
        for (Route r : rtnl.routes(family, TABLE)) {
            if (r.type() == RouteType.LOCAL && r.destination().length() == 0) {
                return r;
            }
        }
        return null;
    }

    private int loopback() {
        return rtnl.link("lo").orElseThrow(() -> new IllegalStateException("no loopback link")).index();
    }
}
