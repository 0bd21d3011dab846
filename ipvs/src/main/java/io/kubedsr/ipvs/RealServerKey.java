package io.kubedsr.ipvs;

import io.kubedsr.netlink.IpPrefix;

import java.net.InetAddress;

/** Address and port: what identifies a real server within its virtual server. */
public record RealServerKey(InetAddress address, int port) {
    @Override
    public String toString() {
        return IpPrefix.format(address) + ":" + port;
    }
}
