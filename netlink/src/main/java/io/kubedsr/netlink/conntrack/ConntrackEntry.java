package io.kubedsr.netlink.conntrack;

/**
 * A conntrack entry as dumped: the original direction (client to the address it asked for), the reply
 * direction (after NAT its source is the real destination, e.g. the IPVS real server), and the zone.
 */
public record ConntrackEntry(ConntrackTuple original, ConntrackTuple reply, int zone) {
    @Override
    public String toString() {
        return "orig[" + original + "] reply[" + reply + "]" + (zone != 0 ? " zone=" + zone : "");
    }
}
