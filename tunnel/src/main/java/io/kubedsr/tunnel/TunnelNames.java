package io.kubedsr.tunnel;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;

/**
 * Names of node-to-node tunnel links: {@code tun-} then, for an IPv4 peer, its 32 bits as 8 hex digits
 * (tun-0a000105 for 10.0.1.5: one name per address and back, 12 characters); for an IPv6 peer 11 base-32
 * characters of the SHA-256 of its 16 bytes (15 characters; 55 bits, so a collision needs about 2^27 peers).
 * Stable across restarts because they depend only on the address. kube-router strips the dots instead, so
 * 21.3.0.4 and 2.13.0.4 both become tun-21304; these never collide for IPv4.
 */
public final class TunnelNames {
    public static final String PREFIX = "tun-";
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

    private TunnelNames() {
    }

    public static String forPeer(InetAddress peer) {
        byte[] raw = peer.getAddress();
        if (peer instanceof Inet4Address) {
            return PREFIX + HexFormat.of().formatHex(raw);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(raw);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder sb = new StringBuilder(PREFIX);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (digest[i] & 0xFF);
        }
        for (int i = 0; i < 11; i++) {
            sb.append(BASE32.charAt((int) ((bits >>> (59 - 5 * i)) & 31)));
        }
        return sb.toString();
    }

    /** Whether a link name is of the form this class produces (so the link is kube-dsr's). */
    public static boolean isTunnelName(String name) {
        if (!name.startsWith(PREFIX)) {
            return false;
        }
        String rest = name.substring(PREFIX.length());
        return rest.matches("[0-9a-f]{8}") || rest.matches("[a-z2-7]{11}");
    }

    /**
     * Whether a link is one of kube-dsr's tunnels: an ipip/ip6tnl link whose name is exactly the name kube-dsr
     * gives a tunnel to its remote address. The name pattern alone is not enough: kube-router names its tunnels
     * {@code tun-} plus 11 hex digits, and about one in 24 of those also fits the IPv6 pattern here.
     */
    public static boolean isOurs(Link link) {
        return isTunnelName(link.name()) && link.kind() instanceof LinkKind.IpTunnel t
                && t.remote() != null && forPeer(t.remote()).equals(link.name());
    }

    /** Guards the 15-byte IFNAMSIZ limit for any name the module builds. */
    static String checkLength(String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length > 15) {
            throw new IllegalArgumentException("link name " + name + " longer than 15 bytes");
        }
        return name;
    }
}
