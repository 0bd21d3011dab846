package io.kubedsr.netlink.conntrack;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * One direction of a tracked connection: addresses, IP protocol number (IPPROTO_*), and ports (0 for
 * protocols without ports).
 */
public record ConntrackTuple(InetAddress source, InetAddress destination, int protocol, int sourcePort, int destinationPort) {
    public ConntrackTuple {
        if (source == null || destination == null || AddressFamily.of(source) != AddressFamily.of(destination)) {
            throw new IllegalArgumentException("a tuple needs two addresses of one family: " + source + " " + destination);
        }
    }

    public AddressFamily family() {
        return AddressFamily.of(source);
    }

    @Override
    public String toString() {
        return "proto=" + protocol + " src=" + IpPrefix.format(source) + " dst=" + IpPrefix.format(destination) + " sport="
                + sourcePort + " dport=" + destinationPort;
    }
}
