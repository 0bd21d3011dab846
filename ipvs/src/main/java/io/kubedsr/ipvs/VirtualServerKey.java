package io.kubedsr.ipvs;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/** What identifies an IPVS virtual server: an address, protocol and port, or a firewall mark in a family. */
public sealed interface VirtualServerKey {
    AddressFamily family();

    static VirtualServerKey of(InetAddress address, Protocol protocol, int port) {
        return new ByAddress(address, protocol, port);
    }

    static VirtualServerKey ofFwmark(AddressFamily family, int fwmark) {
        return new ByFwmark(family, fwmark);
    }

    /** VIP:port/protocol. */
    record ByAddress(InetAddress address, Protocol protocol, int port) implements VirtualServerKey {
        public ByAddress {
            if (address == null || protocol == null) {
                throw new IllegalArgumentException("virtual server needs an address and a protocol");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " outside 0..65535");
            }
        }

        public AddressFamily family() {
            return AddressFamily.of(address);
        }

        // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
        // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
        @Override
        public boolean equals(Object o) {
            return o instanceof ByAddress k && port == k.port && protocol == k.protocol && address.equals(k.address);
        }

        @Override
        public int hashCode() {
            return (address.hashCode() * 31 + protocol.hashCode()) * 31 + port;
        }

        @Override
        public String toString() {
            String host = IpPrefix.format(address);
            return protocol.name() + " " + (family() == AddressFamily.INET6 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A firewall-mark service: packets marked {@code fwmark} (nftables/iptables) of the family. */
    record ByFwmark(AddressFamily family, int fwmark) implements VirtualServerKey {
        public ByFwmark {
            if (family != AddressFamily.INET && family != AddressFamily.INET6) {
                throw new IllegalArgumentException("fwmark service family must be INET or INET6");
            }
            if (fwmark == 0) {
                throw new IllegalArgumentException("fwmark 0 marks nothing");
            }
        }

        // equals and hashCode written out, as ByAddress's.
        @Override
        public boolean equals(Object o) {
            return o instanceof ByFwmark k && fwmark == k.fwmark && family == k.family;
        }

        @Override
        public int hashCode() {
            return family.hashCode() * 31 + fwmark;
        }

        @Override
        public String toString() {
            return "FWM " + Integer.toUnsignedString(fwmark) + (family == AddressFamily.INET6 ? " IPv6" : "");
        }
    }
}
