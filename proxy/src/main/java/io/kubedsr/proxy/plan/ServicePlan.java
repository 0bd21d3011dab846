package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * What one Service needs from the kernel: virtual servers, the VIPs to hold on kube-dummy-if, and the
 * problems found in its specification; {@code created}: the Service's creation time, which decides who keeps a
 * virtual server two Services claim ({@link ServiceTable}); {@code hairpin}: its pods may reach themselves
 * through it ({@code --hairpin-mode} or the {@code kube-router.io/service.hairpin} annotation);
 * {@code keepSource}: the virtual servers whose clients must not be masqueraded (external addresses with
 * externalTrafficPolicy Local); {@code shortCircuits}: the in-cluster paths of those Service ports, which the table
 * turns into fwmark virtual servers once it has given them marks. Computed by {@link ServicePlanner}, held by
 * {@link ServiceTable}.
 */
public record ServicePlan(ServiceRef service, Instant created, List<DesiredVirtualServer> virtualServers,
        Set<InetAddress> vips, List<Problem> problems, boolean hairpin, Set<VirtualServerKey> keepSource,
        List<ShortCircuit> shortCircuits) {
    /** A Service without a creation time (never from an API server) counts as the newest. */
    public static final Instant UNKNOWN_CREATION = Instant.MAX;

    public ServicePlan {
        created = created == null ? UNKNOWN_CREATION : created;
        virtualServers = List.copyOf(virtualServers);
        vips = Set.copyOf(vips);
        problems = List.copyOf(problems);
        keepSource = Set.copyOf(keepSource);
        shortCircuits = List.copyOf(shortCircuits);
    }

    public static ServicePlan empty(ServiceRef service) {
        return new ServicePlan(service, UNKNOWN_CREATION, List.of(), Set.of(), List.of(), false, Set.of(), List.of());
    }

    /** The same plan with other virtual servers (DSR's keys replaced by their marks, short circuits added). */
    public ServicePlan withVirtualServers(List<DesiredVirtualServer> servers) {
        return new ServicePlan(service, created, servers, vips, problems, hairpin, keepSource, shortCircuits);
    }

    /** The same plan with one more problem. */
    public ServicePlan withProblem(Problem p) {
        List<Problem> all = new ArrayList<>(problems);
        all.add(p);
        return new ServicePlan(service, created, virtualServers, vips, all, hairpin, keepSource, shortCircuits);
    }

    public boolean hasDsr() {
        for (DesiredVirtualServer d : virtualServers) {
            if (d.dsr() != null) {
                return true;
            }
        }
        return false;
    }
}
