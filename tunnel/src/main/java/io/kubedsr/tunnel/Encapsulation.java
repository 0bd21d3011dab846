package io.kubedsr.tunnel;
import java.util.Locale;

/** How tunnelled packets travel: plain IP-in-IP, or IP-in-IP inside GUE (UDP) to a destination port. */
public sealed interface Encapsulation {
    int DEFAULT_GUE_PORT = 5555;

    Encapsulation IPIP = new Ipip();

    static Encapsulation gue(int port) {
        return new Gue(port);
    }

    /** Parses {@code ipip}, {@code gue} or {@code fou} (kube-router's name for GUE) with the given port. */
    static Encapsulation parse(String name, int guePort) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "ipip" -> IPIP;
            case "gue", "fou" -> new Gue(guePort);
            default -> throw new IllegalArgumentException("unknown encapsulation '" + name + "' (ipip, gue or fou)");
        };
    }

    /** Bytes the encapsulation adds for an outer header of the given IP version (for MTU/MSS), as IPVS sends it. */
    int overhead(boolean ipv6Outer);

    /**
     * Bytes a node-to-node tunnel link of this encapsulation costs: its {@link #overhead} and, for an ip6tnl
     * link, the 8-byte tunnel encapsulation limit option the kernel adds unless told to ignore the limit
     * (ip6_tnl_link_config counts it: an ip6tnl link on a 1500-byte underlay gets MTU 1452, 1440 with GUE).
     */
    default int linkOverhead(boolean ipv6Outer) {
        return overhead(ipv6Outer) + (ipv6Outer ? 8 : 0);
    }

    /** IP-in-IP (protocol 4) or IPv6-in-IPv6 (protocol 41). */
    record Ipip() implements Encapsulation {
        public int overhead(boolean ipv6Outer) {
            return ipv6Outer ? 40 : 20;
        }

        @Override
        public String toString() {
            return "ipip";
        }
    }

    /** GUE over UDP: clouds that drop IP protocol 4 (Azure) pass it. Port 1024..65535. */
    record Gue(int port) implements Encapsulation {
        public Gue {
            if (port < 1024 || port > 65535) {
                throw new IllegalArgumentException("GUE port " + port + " outside 1024..65535");
            }
        }

        /** Outer IP header, 8 bytes of UDP and 4 of GUE. */
        public int overhead(boolean ipv6Outer) {
            return (ipv6Outer ? 40 : 20) + 8 + 4;
        }

        @Override
        public String toString() {
            return "gue:" + port;
        }
    }
}
