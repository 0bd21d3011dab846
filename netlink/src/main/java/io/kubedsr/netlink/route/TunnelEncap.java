package io.kubedsr.netlink.route;

/**
 * Encapsulation of an ipip/ip6tnl link (IFLA_IPTUN_ENCAP_*): none, FOU or GUE, with flags
 * (TUNNEL_ENCAP_FLAG_CSUM 1, CSUM6 2, REMCSUM 4), UDP source port (0 = chosen per flow) and destination port.
 */
public record TunnelEncap(Type type, int flags, int sourcePort, int destinationPort) {
    /** TUNNEL_ENCAP_NONE, TUNNEL_ENCAP_FOU, TUNNEL_ENCAP_GUE. */
    public enum Type {
        NONE(0), FOU(1), GUE(2);

        private final int number;

        Type(int number) {
            this.number = number;
        }

        public int number() {
            return number;
        }

        public static Type of(int number) {
            for (Type t : values()) {
                if (t.number == number) {
                    return t;
                }
            }
            return NONE;
        }
    }

    public static final TunnelEncap NONE = new TunnelEncap(Type.NONE, 0, 0, 0);

    public TunnelEncap {
        if (sourcePort < 0 || sourcePort > 65535 || destinationPort < 0 || destinationPort > 65535) {
            throw new IllegalArgumentException("encapsulation ports must be 0..65535");
        }
        if (type == Type.NONE && (flags != 0 || sourcePort != 0 || destinationPort != 0)) {
            throw new IllegalArgumentException("no encapsulation cannot carry flags or ports");
        }
    }

    /** GUE to the destination port, source port chosen per flow ("encap-sport auto"). */
    public static TunnelEncap gue(int destinationPort) {
        return new TunnelEncap(Type.GUE, 0, 0, destinationPort);
    }

    public static TunnelEncap fou(int destinationPort) {
        return new TunnelEncap(Type.FOU, 0, 0, destinationPort);
    }

    /**
     * The bytes the encapsulation adds between the outer IP header and the tunnelled packet, as the kernel
     * counts them for the link's MTU (fou_encap_hlen, gue_encap_hlen): none 0, FOU 8 (UDP), GUE 12 (UDP and the
     * GUE header), plus 8 with remote checksum offload (its private flags and field).
     */
    public int headerBytes() {
        return switch (type) {
            case NONE -> 0;
            case FOU -> 8;
            case GUE -> 12 + ((flags & FLAG_REMCSUM) != 0 ? 8 : 0);
        };
    }

    /** TUNNEL_ENCAP_FLAG_REMCSUM. */
    public static final int FLAG_REMCSUM = 4;

    @Override
    public String toString() {
        if (type == Type.NONE) {
            return "encap none";
        }
        return "encap " + type.name().toLowerCase() + " sport " + (sourcePort == 0 ? "auto" : Integer.toString(sourcePort))
                + " dport " + destinationPort + (flags != 0 ? " flags 0x" + Integer.toHexString(flags) : "");
    }
}
