package io.kubedsr.proxy.plan;

import java.util.Set;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.proxy.model.ServicePortKey;

/**
 * One virtual server the kernel should have, with exactly these real servers, and the Service port it serves;
 * {@code dsr} is null unless the virtual server is a DSR one (tunnel-mode real servers, fwmark service).
 */
public record DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers,
        DsrSpec dsr) {
    public DesiredVirtualServer {
        realServers = Set.copyOf(realServers);
    }

    public DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers) {
        this(owner, role, server, realServers, null);
    }

    /**
     * Whether every node must map a connection to the same real server, so that one the network moves to another
     * node carries on there: a DSR virtual server scheduled by mh (docs/dsr.md, "DSR behind ECMP").
     */
    public boolean consistentHashing() {
        return dsr != null && server.scheduler().equals(Scheduler.MH);
    }

    public DesiredVirtualServer withServer(VirtualServer s, Set<RealServer> reals) {
        return new DesiredVirtualServer(owner, role, s, reals, dsr);
    }
}
