package io.kubedsr.ipvs;

import java.net.InetAddress;

import io.kubedsr.netlink.IpPrefix;

/** Address and port: what identifies a real server within its virtual server. */
public record RealServerKey(InetAddress address, int port) {
    // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
    // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof RealServerKey k && port == k.port && address.equals(k.address);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return IpPrefix.format(address) + ":" + port;
    }
}
