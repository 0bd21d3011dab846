package io.kubedsr.proxy.plan;

import java.util.Set;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.model.ServicePortKey;

/**
 * The in-cluster path of a Service port with externalTrafficPolicy Local, in one family, as kube-proxy
 * "short-circuits" it: traffic from this node or from a pod to the port's NodePorts, external IPs and LoadBalancer
 * IPs goes to every cluster endpoint (topology applied), not only to this node's, as if it had gone out to the load
 * balancer and come back in; outside traffic keeps the Local restriction. In the kernel it is an IPVS fwmark
 * service (the table assigns the mark, {@link ShortCircuitMarks}) with the port's scheduler and affinity
 * ({@code affinitySeconds} 0: none) and these masquerading real servers; nftables gives in-cluster packets to those
 * addresses the mark.
 */
public record ShortCircuit(ServicePortKey owner, AddressFamily family, Scheduler scheduler, Set<ServiceFlag> flags,
        int affinitySeconds, Set<RealServer> realServers) {
    public ShortCircuit {
        flags = Set.copyOf(flags);
        realServers = Set.copyOf(realServers);
    }

    /** What the table keys its mark by. */
    public ShortCircuitMarks.Key key() {
        return new ShortCircuitMarks.Key(owner, family);
    }

    /** The virtual server it is in the kernel, once it has its mark. */
    DesiredVirtualServer withMark(int mark) {
        VirtualServer s = VirtualServer.of(VirtualServerKey.ofFwmark(family, mark), scheduler).withFlags(flags);
        if (affinitySeconds > 0) {
            s = s.withPersistence(affinitySeconds);
        }
        return new DesiredVirtualServer(owner, Role.SHORT_CIRCUIT, s, realServers);
    }
}
