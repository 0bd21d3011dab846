package io.kubedsr.netlink.route;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/** What a link is (IFLA_INFO_KIND and its IFLA_INFO_DATA). */
public sealed interface LinkKind {
    /** The IFLA_INFO_KIND string. */
    String kind();

    record Dummy() implements LinkKind {
        public String kind() {
            return "dummy";
        }

        @Override
        public String toString() {
            return kind();
        }
    }

    record Bridge() implements LinkKind {
        public String kind() {
            return "bridge";
        }

        @Override
        public String toString() {
            return kind();
        }
    }

    /** A veth pair; {@code peerName} is only known when creating (dumps do not carry it). */
    record Veth(String peerName) implements LinkKind {
        public String kind() {
            return "veth";
        }

        @Override
        public String toString() {
            return peerName == null ? kind() : kind() + " peer " + peerName;
        }
    }

    /**
     * An IP-in-IP tunnel: {@code ipip} for IPv4 outer addresses, {@code ip6tnl} in ip6ip6 mode for IPv6.
     * {@code local} and {@code remote} may be null (any); {@code ttl} 0 inherits the inner packet's.
     * {@code collectMetadata} is "external" mode: one device for all peers, the route supplies the destination.
     */
    record IpTunnel(AddressFamily family, InetAddress local, InetAddress remote, int ttl, boolean collectMetadata,
            TunnelEncap encap) implements LinkKind {
        public IpTunnel {
            if (family != AddressFamily.INET && family != AddressFamily.INET6) {
                throw new IllegalArgumentException("tunnel family must be INET or INET6");
            }
            if (local != null && AddressFamily.of(local) != family || remote != null && AddressFamily.of(remote) != family) {
                throw new IllegalArgumentException("tunnel addresses must be of family " + family);
            }
            if (ttl < 0 || ttl > 255) {
                throw new IllegalArgumentException("ttl must be 0..255");
            }
            encap = encap == null ? TunnelEncap.NONE : encap;
        }

        public static IpTunnel ipip(InetAddress local, InetAddress remote, int ttl, TunnelEncap encap) {
            return new IpTunnel(AddressFamily.INET, local, remote, ttl, false, encap);
        }

        public static IpTunnel ip6ip6(InetAddress local, InetAddress remote, int ttl, TunnelEncap encap) {
            return new IpTunnel(AddressFamily.INET6, local, remote, ttl, false, encap);
        }

        public String kind() {
            return family == AddressFamily.INET ? "ipip" : "ip6tnl";
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(kind());
            sb.append(" local ").append(local == null ? "any" : IpPrefix.format(local));
            sb.append(" remote ").append(remote == null ? "any" : IpPrefix.format(remote));
            sb.append(" ttl ").append(ttl == 0 ? "inherit" : Integer.toString(ttl));
            if (collectMetadata) {
                sb.append(" external");
            }
            if (encap.type() != TunnelEncap.Type.NONE) {
                sb.append(' ').append(encap);
            }
            return sb.toString();
        }
    }

    /** Any other kind, read from a dump (loopback and physical devices have none: empty string). */
    record Other(String kind) implements LinkKind {
        @Override
        public String toString() {
            return kind.isEmpty() ? "(no kind)" : kind;
        }
    }
}
