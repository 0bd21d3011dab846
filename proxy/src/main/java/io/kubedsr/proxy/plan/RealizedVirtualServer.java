package io.kubedsr.proxy.plan;

import java.util.List;

import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServer;

/** A virtual server as the kernel has it (dumped, or as last written), with its real servers. */
public record RealizedVirtualServer(VirtualServer server, List<RealServerStatus> realServers) {
    public RealizedVirtualServer {
        realServers = List.copyOf(realServers);
    }
}
