package io.kubedsr.ipvs;

/** A real server as read from the kernel: configuration, connection counts (graceful termination) and stats. */
public record RealServerStatus(RealServer server, int activeConnections, int inactiveConnections,
        int persistentConnections, IpvsStats stats) {

    public int connections() {
        return activeConnections + inactiveConnections;
    }
}
