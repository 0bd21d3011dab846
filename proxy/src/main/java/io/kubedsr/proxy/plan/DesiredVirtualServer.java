package io.kubedsr.proxy.plan;

import java.util.Set;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.ServicePortKey;

/**
 * One virtual server the kernel should have, with exactly these real servers, and the Service port it serves;
 * {@code dsr} is null unless the virtual server is a DSR one (tunnel-mode real servers, fwmark service);
 * {@code sourceRanges} is null unless only some clients may reach it (a LoadBalancer IP of a Service with
 * {@code spec.loadBalancerSourceRanges}).
 */
public record DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers,
        DsrSpec dsr, SourceRanges sourceRanges) {
    public DesiredVirtualServer {
        realServers = Set.copyOf(realServers);
    }

    public DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers) {
        this(owner, role, server, realServers, null, null);
    }

    /** A DSR virtual server (open to every client). */
    public DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers, DsrSpec dsr) {
        this(owner, role, server, realServers, dsr, null);
    }

    /**
     * Whether every node must map a connection to the same real server, so that one the network moves to another
     * node carries on there: a DSR virtual server scheduled by mh (docs/dsr.md, "DSR behind ECMP").
     */
    public boolean consistentHashing() {
        return dsr != null && server.scheduler().equals(Scheduler.MH);
    }

    public DesiredVirtualServer withServer(VirtualServer s, Set<RealServer> reals) {
        return new DesiredVirtualServer(owner, role, s, reals, dsr, sourceRanges);
    }

    public DesiredVirtualServer withSourceRanges(SourceRanges ranges) {
        return new DesiredVirtualServer(owner, role, server, realServers, dsr, ranges);
    }

    /**
     * Whether in-cluster clients of this address are short-circuited when its Service port has externalTrafficPolicy
     * Local: an external address (NodePort, external IP, LoadBalancer IP) that is no DSR VIP (in-cluster clients reach
     * a DSR VIP through its DSR virtual server).
     */
    public boolean shortCircuitable() {
        return role.external() && dsr == null;
    }

    /** The address, protocol and port clients send to (a DSR virtual server's VIP:port; null for a short circuit). */
    public VirtualServerKey.ByAddress clientKey() {
        if (dsr != null) {
            return dsr.service();
        }
        return server.key() instanceof VirtualServerKey.ByAddress a ? a : null;
    }
}
