package io.kubedsr.tunnel;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.TunnelEncap;

/**
 * A node-to-node tunnel: this node's address, the peer's, the encapsulation and the outer TTL. ipip for an
 * IPv4 outer family, ip6tnl (ip6ip6) for IPv6.
 */
public record TunnelSpec(InetAddress local, InetAddress peer, Encapsulation encapsulation, int ttl) {
    /** kube-router's tunnel TTL. */
    public static final int DEFAULT_TTL = 225;

    public TunnelSpec {
        if (local == null || peer == null || encapsulation == null) {
            throw new IllegalArgumentException("a tunnel needs a local address, a peer address and an encapsulation");
        }
        if (AddressFamily.of(local) != AddressFamily.of(peer)) {
            throw new IllegalArgumentException("no local address of the peer's family: local " + IpPrefix.format(local)
                    + ", peer " + IpPrefix.format(peer));
        }
        if (local.equals(peer)) {
            throw new IllegalArgumentException("a tunnel to itself: " + IpPrefix.format(peer));
        }
        if (ttl < 1 || ttl > 255) {
            throw new IllegalArgumentException("ttl " + ttl + " outside 1..255");
        }
    }

    public static TunnelSpec of(InetAddress local, InetAddress peer, Encapsulation encapsulation) {
        return new TunnelSpec(local, peer, encapsulation, DEFAULT_TTL);
    }

    public AddressFamily family() {
        return AddressFamily.of(peer);
    }

    public String linkName() {
        return TunnelNames.forPeer(peer);
    }

    /** The link kind to create and to compare with what the kernel reports. */
    public LinkKind.IpTunnel linkKind() {
        TunnelEncap encap = encapsulation instanceof Encapsulation.Gue g ? TunnelEncap.gue(g.port()) : TunnelEncap.NONE;
        return new LinkKind.IpTunnel(family(), local, peer, ttl, false, encap);
    }
}
