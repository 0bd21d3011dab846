package io.kubedsr.proxy.plan;

import java.util.Set;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.proxy.model.ServicePortKey;

/** One virtual server the kernel should have, with exactly these real servers, and the Service port it serves. */
public record DesiredVirtualServer(ServicePortKey owner, Role role, VirtualServer server, Set<RealServer> realServers) {
    public DesiredVirtualServer {
        realServers = Set.copyOf(realServers);
    }
}
