package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * What one Service needs from the kernel: virtual servers, the VIPs to hold on kube-dummy-if, and the
 * problems found in its specification; {@code hairpin}: its pods may reach themselves through it
 * ({@code --hairpin-mode} or the {@code kube-router.io/service.hairpin} annotation); {@code keepSource}: the
 * virtual servers whose clients must not be masqueraded (external addresses with externalTrafficPolicy Local). Computed by {@link ServicePlanner}, merged by {@link DesiredState}.
 */
public record ServicePlan(ServiceRef service, List<DesiredVirtualServer> virtualServers, Set<InetAddress> vips,
        List<Problem> problems, boolean hairpin, Set<VirtualServerKey> keepSource) {
    public ServicePlan {
        virtualServers = List.copyOf(virtualServers);
        vips = Set.copyOf(vips);
        problems = List.copyOf(problems);
        keepSource = Set.copyOf(keepSource);
    }

    public static ServicePlan empty(ServiceRef service) {
        return new ServicePlan(service, List.of(), Set.of(), List.of(), false, Set.of());
    }
}
