package io.kubedsr.ipvs;

/**
 * How IPVS forwards to a real server (IP_VS_CONN_F_FWD_MASK values). {@link Tunnel} writes out equals and
 * hashCode: the generated ones dispatch through invokedynamic, slow in the cold code of a first full sync
 * (docs/performance.md); the others have no fields and {@link RealServer} compares them by identity first.
 */
public sealed interface Forwarding {
    /** The IP_VS_CONN_F_* forwarding method number. */
    int method();

    Forwarding MASQUERADE = new Masquerade();
    Forwarding LOCAL = new Local();
    Forwarding DIRECT_ROUTE = new DirectRoute();
    Forwarding BYPASS = new Bypass();

    static Forwarding tunnel(TunnelType type, int port, TunnelChecksum checksum) {
        return new Tunnel(type, port, checksum);
    }

    static Forwarding ipip() {
        return new Tunnel(TunnelType.IPIP, 0, TunnelChecksum.NOCSUM);
    }

    static Forwarding gue(int port) {
        return new Tunnel(TunnelType.GUE, port, TunnelChecksum.NOCSUM);
    }

    /** IP_VS_CONN_F_MASQ: NAT to the real server. */
    record Masquerade() implements Forwarding {
        public int method() {
            return 0;
        }

        @Override
        public String toString() {
            return "masq";
        }
    }

    /** IP_VS_CONN_F_LOCALNODE. */
    record Local() implements Forwarding {
        public int method() {
            return 1;
        }

        @Override
        public String toString() {
            return "local";
        }
    }

    /**
     * IP_VS_CONN_F_TUNNEL: encapsulate to the real server, which answers the client directly (DSR). GUE and
     * GRE need kernel 5.2 or later; the port is the GUE destination port (0 for IPIP and GRE).
     */
    record Tunnel(TunnelType type, int port, TunnelChecksum checksum) implements Forwarding {
        public Tunnel {
            if (type == null || checksum == null) {
                throw new IllegalArgumentException("tunnel needs a type and a checksum mode");
            }
            if (type == TunnelType.GUE && (port < 1 || port > 65535)) {
                throw new IllegalArgumentException("GUE tunnel needs a port 1..65535, got " + port);
            }
            if (type != TunnelType.GUE && port != 0) {
                throw new IllegalArgumentException(type + " tunnels have no port");
            }
            if (type == TunnelType.IPIP && checksum != TunnelChecksum.NOCSUM) {
                throw new IllegalArgumentException("IPIP tunnels have no checksum option");
            }
        }

        public int method() {
            return 2;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tunnel t && port == t.port && type == t.type && checksum == t.checksum;
        }

        @Override
        public int hashCode() {
            return (type.hashCode() * 31 + port) * 31 + checksum.hashCode();
        }

        @Override
        public String toString() {
            return "tunnel " + type.name().toLowerCase() + (type == TunnelType.GUE ? " port " + port : "")
                    + (checksum != TunnelChecksum.NOCSUM ? " " + checksum.name().toLowerCase() : "");
        }
    }

    /** IP_VS_CONN_F_DROUTE: direct routing on the same L2 segment. */
    record DirectRoute() implements Forwarding {
        public int method() {
            return 3;
        }

        @Override
        public String toString() {
            return "route";
        }
    }

    /** IP_VS_CONN_F_BYPASS. */
    record Bypass() implements Forwarding {
        public int method() {
            return 4;
        }

        @Override
        public String toString() {
            return "bypass";
        }
    }
}
