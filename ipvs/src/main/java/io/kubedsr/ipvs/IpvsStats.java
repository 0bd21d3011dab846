package io.kubedsr.ipvs;

/** Counters and rates of a virtual or real server (IPVS_STATS_ATTR_*, 64-bit). */
public record IpvsStats(long connections, long inPackets, long outPackets, long inBytes, long outBytes,
        long connectionsPerSecond, long inPacketsPerSecond, long outPacketsPerSecond, long inBytesPerSecond,
        long outBytesPerSecond) {
    public static final IpvsStats ZERO = new IpvsStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
