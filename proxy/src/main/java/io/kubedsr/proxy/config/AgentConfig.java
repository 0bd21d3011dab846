package io.kubedsr.proxy.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.tunnel.Encapsulation;

/** The agent's configuration, parsed and validated from its flags ({@link AgentFlags}). */
public record AgentConfig(
        String kubeconfig,
        String master,
        String hostnameOverride,
        Duration ipvsSyncPeriod,
        boolean ipvsGracefulTermination,
        Duration ipvsGracefulPeriod,
        boolean ipvsPermitAll,
        boolean masqueradeAll,
        boolean nodePortBindOnAllIp,
        List<IpPrefix> serviceClusterIpRange,
        List<IpPrefix> serviceExternalIpRange,
        List<IpPrefix> loadBalancerIpRange,
        boolean strictExternalIpValidation,
        List<IpPrefix> excludedCidrs,
        Duration serviceTcpTimeout,
        Duration serviceTcpFinTimeout,
        Duration serviceUdpTimeout,
        boolean enableIpv4,
        boolean enableIpv6,
        String metricsAddr,
        int metricsPort,
        String metricsPath,
        String healthAddr,
        int healthPort,
        boolean cleanupConfig,
        boolean hairpinMode,
        boolean enableOverlay,
        String overlayType,
        Encapsulation overlayEncap,
        int overlayEncapPort,
        List<Integer> overlayEncapReceivePorts,
        List<IpPrefix> clusterCidr,
        Scheduler dsrScheduler,
        Set<ServiceFlag> dsrSchedulerFlags,
        SysctlDirectory sysctlDir) {

    public AgentConfig {
        serviceClusterIpRange = List.copyOf(serviceClusterIpRange);
        serviceExternalIpRange = List.copyOf(serviceExternalIpRange);
        loadBalancerIpRange = List.copyOf(loadBalancerIpRange);
        excludedCidrs = List.copyOf(excludedCidrs);
        clusterCidr = List.copyOf(clusterCidr);
        overlayEncapReceivePorts = List.copyOf(overlayEncapReceivePorts);
        dsrSchedulerFlags = Set.copyOf(dsrSchedulerFlags);
    }

    /** The defaults, as if started with no flags. */
    public static AgentConfig defaults() {
        return AgentFlags.parse(new String[0]);
    }
}
