package io.kubedsr.proxy.nft;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * Renders a guard table that lets encapsulated packets in only from the cluster's nodes (docs/security.md):
 * an {@code input} chain that drops IP-in-IP (IP protocol 4) and IPv6-in-IP (41), in IPv4 and IPv6 outer
 * headers, and UDP to the GUE ports, when the outer source is not in {@code nodes4}/{@code nodes6}. Dropped
 * packets are counted ({@code nft list table inet NAME}).
 * <p>
 * The input hook sees an encapsulated packet before anything decapsulates it: the kernel hands protocol 4/41
 * to the ipip/ip6_tunnel/sit handlers, and UDP to a FOU socket, only after local input; the decapsulated inner
 * packet then enters again on the tunnel device, where it is no longer protocol 4/41 or GUE. One table covers
 * every device that could take such a packet: the overlay's {@code tun-*} links, the DSR receivers, and the
 * kernel's fallback devices {@code tunl0}, {@code ip6tnl0} and {@code sit0}, which take any unmatched packet
 * once they are up. Pure: the same inputs give the same text, with a digest comment {@link NftTable} uses to
 * skip rewriting an identical table after a restart.
 */
public final class EncapGuardRules {
    /** The node's guard table. */
    public static final String NODE_TABLE = "kube-dsr-encap";
    /** The guard table in a pod namespace that holds a DSR receiver. */
    public static final String POD_TABLE = "kube-dsr-receiver";

    /** The sources allowed (node addresses of both families) and the UDP ports that decapsulate GUE here. */
    public record Input(Collection<InetAddress> sources, Collection<Integer> guePorts) {
    }

    private EncapGuardRules() {
    }

    public static String render(String table, Input in) {
        StringBuilder sb = new StringBuilder();
        sb.append("add table inet ").append(table).append('\n');
        sb.append("delete table inet ").append(table).append('\n');
        sb.append("table inet ").append(table).append(" {\n");
        set(sb, "nodes4", "ipv4_addr", addresses(in.sources(), AddressFamily.INET));
        set(sb, "nodes6", "ipv6_addr", addresses(in.sources(), AddressFamily.INET6));
        set(sb, "gue-ports", "inet_service", in.guePorts().stream().sorted().distinct().map(String::valueOf).toList());
        sb.append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
        // 4: IPPROTO_IPIP (ipip, ip6tnl in any/ip4ip6 mode), 41: IPPROTO_IPV6 (ip6ip6, sit). Both outer families.
        sb.append("    meta l4proto { 4, 41 } ip saddr != @nodes4 counter drop\n");
        sb.append("    meta l4proto { 4, 41 } ip6 saddr != @nodes6 counter drop\n");
        sb.append("    udp dport @gue-ports ip saddr != @nodes4 counter drop\n");
        sb.append("    udp dport @gue-ports ip6 saddr != @nodes6 counter drop\n");
        sb.append("  }\n}\n");
        String body = sb.toString();
        String marker = "table inet " + table + " {\n";
        return body.replace(marker, marker + "  comment \"" + NftRules.digest(body) + "\"\n");
    }

    private static void set(StringBuilder sb, String name, String type, List<String> elements) {
        sb.append("  set ").append(name).append(" {\n    type ").append(type).append(";\n");
        if (!elements.isEmpty()) {
            sb.append("    elements = { ").append(String.join(", ", elements)).append(" }\n");
        }
        sb.append("  }\n");
    }

    private static List<String> addresses(Collection<InetAddress> all, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (InetAddress a : all) {
            if (AddressFamily.of(a) == f) {
                out.add(IpPrefix.format(a));
            }
        }
        return new ArrayList<>(out);
    }
}
