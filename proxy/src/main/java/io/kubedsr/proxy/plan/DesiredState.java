package io.kubedsr.proxy.plan;

import io.kubedsr.netlink.IpPrefix;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.Problem;

/**
 * The kernel state all Services together need: virtual servers by key, VIPs for kube-dummy-if, and the
 * problems found. When two Services claim one virtual server, the first by namespace/name/port keeps it
 * and the other gets a problem.
 */
public record DesiredState(Map<VirtualServerKey, DesiredVirtualServer> virtualServers, Set<InetAddress> vips,
        List<Problem> problems) {

    public static DesiredState merge(Collection<ServicePlan> plans) {
        List<ServicePlan> ordered = new ArrayList<>(plans);
        ordered.sort(Comparator.comparing(ServicePlan::service));
        Map<VirtualServerKey, DesiredVirtualServer> servers = new LinkedHashMap<>();
        Set<InetAddress> vips = new TreeSet<>(Comparator.comparing(IpPrefix::format));
        List<Problem> problems = new ArrayList<>();
        for (ServicePlan plan : ordered) {
            problems.addAll(plan.problems());
            vips.addAll(plan.vips());
            for (DesiredVirtualServer d : plan.virtualServers()) {
                DesiredVirtualServer earlier = servers.putIfAbsent(d.server().key(), d);
                if (earlier != null && !earlier.owner().service().equals(d.owner().service())) {
                    problems.add(conflict(plan.service(), earlier, d));
                }
            }
        }
        return new DesiredState(servers, vips, problems);
    }

    /** The problem of a Service whose virtual server another Service already holds. */
    public static Problem conflict(io.kubedsr.proxy.model.ServiceRef loser, DesiredVirtualServer holder, DesiredVirtualServer claim) {
        return new Problem(loser, "VirtualServerConflict", claim.server().key() + " is already served for " + holder.owner()
                + "; not programmed for " + claim.owner());
    }

    /** A sorted, line-per-object text of the planned state: what scenario tests compare. */
    public String dump() {
        List<String> lines = new ArrayList<>();
        for (Problem p : problems) {
            lines.add("problem " + p);
        }
        for (InetAddress vip : vips) {
            lines.add("vip " + IpPrefix.format(vip));
        }
        List<DesiredVirtualServer> sorted = new ArrayList<>(virtualServers.values());
        sorted.sort(Comparator.comparing(d -> d.server().key().toString()));
        for (DesiredVirtualServer d : sorted) {
            lines.add("vs " + d.server() + " <- " + d.owner() + " " + d.role().name().toLowerCase().replace('_', '-')
                    + (d.dsr() == null ? "" : " " + d.dsr()));
            List<String> reals = new ArrayList<>();
            for (RealServer r : d.realServers()) {
                reals.add("  rs " + r);
            }
            reals.sort(null);
            lines.addAll(reals);
        }
        return String.join("\n", lines) + "\n";
    }
}
