package io.kubedsr.ipvs;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * A real server (destination) of a virtual server: its address (its own family, which may differ from a
 * fwmark service's in tunnel mode), port, forwarding, weight and connection thresholds (0 = unlimited).
 */
public record RealServer(InetAddress address, int port, Forwarding forwarding, int weight, int upperThreshold,
        int lowerThreshold) {

    public RealServer {
        if (address == null || forwarding == null) {
            throw new IllegalArgumentException("real server needs an address and a forwarding method");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " outside 0..65535");
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight must not be negative");
        }
        if (upperThreshold < 0 || lowerThreshold < 0) {
            throw new IllegalArgumentException("thresholds must not be negative");
        }
    }

    // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
    // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof RealServer r && port == r.port && weight == r.weight && upperThreshold == r.upperThreshold
                && lowerThreshold == r.lowerThreshold && address.equals(r.address)
                && (forwarding == r.forwarding || forwarding.equals(r.forwarding)); // the constants: by identity
    }

    @Override
    public int hashCode() {
        int h = address.hashCode() * 31 + port;
        h = h * 31 + (forwarding instanceof Forwarding.Tunnel t ? t.hashCode() : forwarding.method());
        h = h * 31 + weight;
        return (h * 31 + upperThreshold) * 31 + lowerThreshold;
    }

    public static RealServer of(InetAddress address, int port, Forwarding forwarding, int weight) {
        return new RealServer(address, port, forwarding, weight, 0, 0);
    }

    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** What identifies it within its virtual server. */
    public RealServerKey key() {
        return new RealServerKey(address, port);
    }

    public RealServer withWeight(int w) {
        return new RealServer(address, port, forwarding, w, upperThreshold, lowerThreshold);
    }

    @Override
    public String toString() {
        String host = IpPrefix.format(address);
        return (family() == AddressFamily.INET6 ? "[" + host + "]" : host) + ":" + port + " " + forwarding + " weight "
                + weight + (upperThreshold != 0 || lowerThreshold != 0 ? " thresholds " + lowerThreshold + ".." + upperThreshold : "");
    }
}
