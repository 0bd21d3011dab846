package io.kubedsr.proxy.nft;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.tunnel.Encapsulation;

/**
 * Renders kube-dsr's own nftables table, {@code inet kube-dsr}, as one script that replaces the table
 * atomically (nft applies a file as one transaction). Pure: the same inputs give the same text.
 * <ul>
 * <li>prerouting and output (mangle priority): a packet to a service (address, protocol and port in
 * {@code services4}/{@code services6}) that does not keep the client's address ({@code keep4}/{@code keep6},
 * usually empty or small, so the table holds each service once) gets packet-mark bit {@value #MASQ_MARK_TEXT}, the bit
 * kube-proxy uses for the same purpose. It is marked before IPVS rewrites the destination; nftables cannot
 * put the conntrack original port into a set lookup (variable-sized in concatenations), so the mark carries
 * the decision to postrouting;</li>
 * <li>postrouting (srcnat): marked packets from outside {@code --cluster-cidr} are masqueraded so replies come
 * back through this node (with {@code --masquerade-all}: every marked packet); a pod reaching itself through
 * its service ({@code saddr . daddr} both the endpoint) is masqueraded (hairpin). Services with
 * externalTrafficPolicy Local are not in the masquerade set for their external addresses: the client IP is
 * kept and only local endpoints answer;</li>
 * <li>with {@code --ipvs-permit-all=false}: traffic to a VIP ({@code vips4}/{@code vips6}, only then in the
 * table) on a port that is not a service port is rejected; ICMP stays allowed;</li>
 * <li>source ranges (prerouting and output, before anything else): a packet to a LoadBalancer IP's port in
 * {@code firewall4}/{@code firewall6} is dropped unless that port and its source address are in
 * {@code allowed4}/{@code allowed6} (a set of address . protocol . port . source range);</li>
 * <li>short circuits: a packet from a pod ({@code pods4}/{@code pods6}, in prerouting) or from the node itself (in
 * the output route chain) to an address in {@code short4}/{@code short6} gets that map's mark, which leads IPVS to
 * the fwmark service holding every cluster endpoint of an externalTrafficPolicy Local Service port. The marks carry
 * the masquerade bit, so postrouting masquerades the node's own such traffic and leaves pods' alone.</li>
 * </ul>
 * Every per-Service fact is an element of a set or map; the rules are the same for any number of Services.
 */
public final class NftRules {
    public static final String TABLE = "kube-dsr";
    static final String MASQ_MARK_TEXT = "0x00004000";

    private NftRules() {
    }

    /**
     * What the rules are made from: every service (address, protocol, port), the ones that keep the client's
     * address (never masqueraded), the VIPs, the pod CIDRs, and the endpoints of hairpin-enabled services; for
     * DSR its services and marks, the MTU of the node's link, the GUE ports, and the largest encapsulation an
     * overlay tunnel may add on the way from a director to a pod (null: no overlay).
     */
    public record Input(Collection<VirtualServerKey> services, Collection<VirtualServerKey> keepSource,
            Collection<InetAddress> vips, List<IpPrefix> clusterCidr, Collection<InetAddress> hairpinEndpoints,
            boolean masqueradeAll, boolean permitAll, Collection<DsrEntry> dsr, int linkMtu, Collection<Integer> guePorts,
            Encapsulation overlay, Collection<ServiceTable.Firewalled> firewalled,
            Collection<ServiceTable.ShortCircuited> shortCircuits) {

        public Input(Collection<VirtualServerKey> services, Collection<VirtualServerKey> keepSource,
                Collection<InetAddress> vips, List<IpPrefix> clusterCidr, Collection<InetAddress> hairpinEndpoints,
                boolean masqueradeAll, boolean permitAll) {
            this(services, keepSource, vips, clusterCidr, hairpinEndpoints, masqueradeAll, permitAll, List.of(), 1500, List.of(),
                    null, List.of(), List.of());
        }

        public Input(Collection<VirtualServerKey> services, Collection<VirtualServerKey> keepSource,
                Collection<InetAddress> vips, List<IpPrefix> clusterCidr, Collection<InetAddress> hairpinEndpoints,
                boolean masqueradeAll, boolean permitAll, Collection<DsrEntry> dsr, int linkMtu, Collection<Integer> guePorts,
                Encapsulation overlay) {
            this(services, keepSource, vips, clusterCidr, hairpinEndpoints, masqueradeAll, permitAll, dsr, linkMtu, guePorts,
                    overlay, List.of(), List.of());
        }
    }

    /** The bits of the packet mark DSR marks use ({@code 1..0x3FFF}). */
    static final String DSR_MARK_MASK = "0x00003fff";

    public static String render(Input in) {
        StringBuilder sb = new StringBuilder();
        // Creating then deleting makes the replacement work whether or not the table exists, in one transaction.
        sb.append("add table inet ").append(TABLE).append('\n');
        sb.append("delete table inet ").append(TABLE).append('\n');
        sb.append("table inet ").append(TABLE).append(" {\n");
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            String v = f == AddressFamily.INET ? "4" : "6";
            String type = f == AddressFamily.INET ? "ipv4_addr" : "ipv6_addr";
            set(sb, "services" + v, type + " . inet_proto . inet_service", false, serviceElements(in.services(), f));
            set(sb, "keep" + v, type + " . inet_proto . inet_service", false, serviceElements(in.keepSource(), f));
            if (!in.permitAll()) {
                set(sb, "vips" + v, type, false, addresses(in.vips(), f));
            }
            set(sb, "pods" + v, type, true, prefixes(in.clusterCidr(), f));
            set(sb, "hairpin" + v, type + " . " + type, false, hairpin(in.hairpinEndpoints(), f));
            map(sb, "dsr" + v, type + " . inet_proto . inet_service : mark", dsrElements(in.dsr(), f));
            set(sb, "dsr-tcp" + v, type + " . inet_proto . inet_service", false, dsrTcpServices(in.dsr(), f));
            set(sb, "firewall" + v, type + " . inet_proto . inet_service", false, firewalled(in.firewalled(), f));
            set(sb, "allowed" + v, type + " . inet_proto . inet_service . " + type, true, allowed(in.firewalled(), f));
            map(sb, "short" + v, type + " . inet_proto . inet_service : mark", shortCircuits(in.shortCircuits(), f));
        }
        set(sb, "gue-ports", "inet_service", false, in.guePorts().stream().sorted().distinct().map(String::valueOf).toList());
        for (String hook : List.of("prerouting", "output")) {
            sb.append("  chain mark-").append(hook).append(" {\n    type filter hook ").append(hook)
                    .append(" priority mangle; policy accept;\n");
            for (String v : List.of("4", "6")) {
                String ip = v.equals("4") ? "ip" : "ip6";
                String service = ip + " daddr . meta l4proto . th dport";
                sb.append("    ").append(service).append(" @firewall").append(v).append(' ').append(service).append(" . ")
                        .append(ip).append(" saddr != @allowed").append(v).append(" drop\n");
            }
            for (String v : List.of("4", "6")) {
                String service = (v.equals("4") ? "ip" : "ip6") + " daddr . meta l4proto . th dport ";
                sb.append("    ").append(service).append("@services").append(v).append(' ').append(service).append("!= @keep").append(v)
                        .append(" meta mark set meta mark | ").append(MASQ_MARK_TEXT).append('\n');
            }
            if (hook.equals("prerouting")) {
                sb.append("    meta mark set ip daddr . meta l4proto . th dport map @dsr4\n");
                sb.append("    meta mark set ip6 daddr . meta l4proto . th dport map @dsr6\n");
                // After the DSR map: a pod's packet to a DSR VIP of a short-circuited port takes the short circuit.
                sb.append("    ip saddr @pods4 meta mark set ip daddr . meta l4proto . th dport map @short4\n");
                sb.append("    ip6 saddr @pods6 meta mark set ip6 daddr . meta l4proto . th dport map @short6\n");
            }
            sb.append("  }\n");
        }
        renderDsrOutputAndClamp(sb, in);
        sb.append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        for (String v : List.of("4", "6")) {
            String ip = v.equals("4") ? "ip" : "ip6";
            String marked = "meta mark & " + MASQ_MARK_TEXT + " == " + MASQ_MARK_TEXT;
            AddressFamily family = v.equals("4") ? AddressFamily.INET : AddressFamily.INET6;
            if (in.masqueradeAll()) {
                sb.append("    ").append(marked).append(" meta nfproto ").append(v.equals("4") ? "ipv4" : "ipv6")
                        .append(" masquerade\n");
            } else if (in.clusterCidr().stream().anyMatch(p -> p.family() == family)) {
                sb.append("    ").append(marked).append(' ').append(ip).append(" saddr != @pods").append(v).append(" masquerade\n");
            }
            sb.append("    ").append(marked).append(' ').append(ip).append(" saddr . ").append(ip).append(" daddr @hairpin")
                    .append(v).append(" masquerade\n");
        }
        sb.append("  }\n");
        if (!in.permitAll()) {
            sb.append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
            for (String v : List.of("4", "6")) {
                String ip = v.equals("4") ? "ip" : "ip6";
                String icmp = v.equals("4") ? "icmp" : "icmpv6";
                sb.append("    ").append(ip).append(" daddr @vips").append(v).append(" meta l4proto ").append(icmp).append(" accept\n");
                sb.append("    ").append(ip).append(" daddr @vips").append(v).append(' ').append(ip)
                        .append(" daddr . meta l4proto . th dport != @services").append(v).append(" reject\n");
            }
            sb.append("  }\n");
        }
        sb.append("}\n");
        // The comment carries a digest of the whole table, so a restarted agent can tell that the kernel
        // already holds exactly this table and skip the write.
        String body = sb.toString();
        String marker = "table inet " + TABLE + " {\n";
        return body.replace(marker, marker + "  comment \"" + digest(body) + "\"\n");
    }

    /** The digest comment of a rendered script, e.g. {@code kube-dsr:1f2e...}. */
    public static String digest(String body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
            return "kube-dsr:" + HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The digest comment a rendered script carries, or null. */
    public static String digestOf(String text) {
        Matcher m = Pattern.compile("comment \"(kube-dsr:[0-9a-f]+)\"").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    /**
     * DSR beyond the prerouting mark: the node's own clients get the mark in a route chain (a mark set there
     * makes the kernel route the packet again, now by table 78); encapsulated UDP leaving the node loses its DSR
     * mark, or a packet carrying it over a GUE overlay would be routed back into the fwmark service and loop
     * (the kernel logs "Dead loop on virtual device"); and a pod's SYN-ACK from a DSR service gets its MSS
     * clamped so the client's segments still fit once the director encapsulates them (PMTU discovery cannot
     * be relied on: the ICMP would have to reach the client from a node that never saw its reply).
     * <p>
     * The clamp is for the largest encapsulation the receivers take (GUE whenever they have a GUE port, which the
     * agent always gives them), not for the Service's own: a director may switch the Service's encapsulation, by
     * annotation or during a rolling change of the default, while connections made under the other one go on,
     * and it must still fit. This costs 12 bytes per segment of an IPIP Service. With an overlay it leaves room for
     * a GUE tunnel on the way to the pod as well, for the same reason (the overlay may switch too).
     */
    private static void renderDsrOutputAndClamp(StringBuilder sb, Input in) {
        sb.append("  chain dsr-output {\n    type route hook output priority mangle; policy accept;\n");
        // A map lookup that misses ends the rule: only DSR packets get a mark. (Kernel 6.1 refuses a map used
        // as a set, "@dsr4" alone, with EINVAL; the map statement needs no such guard.)
        sb.append("    meta mark set ip daddr . meta l4proto . th dport map @dsr4\n");
        sb.append("    meta mark set ip6 daddr . meta l4proto . th dport map @dsr6\n");
        // The node's own packets to a short-circuited address; here, in the route chain, so that a DSR VIP (on no
        // local link) is routed again by its short-circuit mark's policy rule.
        sb.append("    meta mark set ip daddr . meta l4proto . th dport map @short4\n");
        sb.append("    meta mark set ip6 daddr . meta l4proto . th dport map @short6\n");
        sb.append("    udp dport @gue-ports meta mark & ").append(DSR_MARK_MASK).append(" != 0 meta mark set meta mark & 0xffffc000\n");
        sb.append("  }\n");
        sb.append("  chain dsr-forward {\n    type filter hook forward priority mangle; policy accept;\n");
        Encapsulation largest = in.guePorts().isEmpty() ? Encapsulation.IPIP : Encapsulation.gue(Encapsulation.DEFAULT_GUE_PORT);
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            String v = f == AddressFamily.INET ? "4" : "6";
            String ip = f == AddressFamily.INET ? "ip" : "ip6";
            int mss = mss(in.linkMtu(), f, largest, in.overlay());
            sb.append("    ").append(ip).append(" saddr . meta l4proto . th sport @dsr-tcp").append(v)
                    .append(" tcp flags & (syn | ack) == syn | ack tcp option maxseg size > ").append(mss)
                    .append(" tcp option maxseg size set ").append(mss).append('\n');
        }
        sb.append("  }\n");
    }

    /**
     * MSS = link MTU − overlay tunnel − inner IP header − TCP header − DSR encapsulation (outer headers of the same
     * family). With an overlay, the director's encapsulated packet to a pod on another node may have to fit a
     * tunnel link (MTU 1468 for GUE on a 1500-byte link), and the ICMP "too big" IPVS would send instead cannot
     * leave the director: its source would be the VIP, which is no address of the director.
     */
    public static int mss(int linkMtu, AddressFamily family, Encapsulation dsr, Encapsulation overlay) {
        boolean v6 = family == AddressFamily.INET6;
        return linkMtu - (overlay == null ? 0 : overlay.linkOverhead(v6)) - (v6 ? 40 : 20) - 20 - dsr.overhead(v6);
    }

    private static void map(StringBuilder sb, String name, String type, List<String> elements) {
        sb.append("  map ").append(name).append(" {\n    type ").append(type).append(";\n");
        if (!elements.isEmpty()) {
            sb.append("    elements = { ").append(String.join(", ", elements)).append(" }\n");
        }
        sb.append("  }\n");
    }

    private static String element(VirtualServerKey.ByAddress a) {
        return IpPrefix.format(a.address()) + " . " + a.protocol().name().toLowerCase(Locale.ROOT) + " . " + a.port();
    }

    private static List<String> dsrElements(Collection<DsrEntry> dsr, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (DsrEntry e : dsr) {
            if (e.service().family() == f) {
                out.add(element(e.service()) + " : " + String.format("0x%08x", e.mark()));
            }
        }
        return new ArrayList<>(out);
    }

    private static List<String> dsrTcpServices(Collection<DsrEntry> dsr, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (DsrEntry e : dsr) {
            if (e.service().family() == f && e.service().protocol() == Protocol.TCP) {
                out.add(element(e.service()));
            }
        }
        return new ArrayList<>(out);
    }

    /** The ports of a {@code gue-ports} set listing ({@code nft list set inet kube-dsr gue-ports}). */
    public static Set<Integer> guePortsOf(String listing) {
        Set<Integer> out = new TreeSet<>();
        Matcher m = Pattern.compile("elements = \\{([^}]*)}").matcher(listing);
        if (m.find()) {
            for (String p : m.group(1).split(",")) {
                if (!p.isBlank()) {
                    out.add(Integer.parseInt(p.trim()));
                }
            }
        }
        return out;
    }

    /** The DSR marks a table listing ({@code nft list table inet kube-dsr}) holds, by service. */
    public static Map<VirtualServerKey.ByAddress, Integer> marksOf(String listing) {
        Map<VirtualServerKey.ByAddress, Integer> out = new HashMap<>();
        Matcher m = Pattern
                .compile("([0-9a-fA-F.:]+) \\. (tcp|udp|sctp|\\d+) \\. (\\d+) : 0x([0-9a-f]{1,8})").matcher(listing);
        while (m.find()) {
            try {
                InetAddress a = IpPrefix.parseAddress(m.group(1));
                // nft names the protocol from /etc/protocols, and prints its number where that file is missing
                // (netbase not installed: a minimal image, the agent's own).
                String proto = m.group(2);
                Protocol p = Character.isDigit(proto.charAt(0)) ? Protocol.of(Integer.parseInt(proto))
                        : Protocol.valueOf(proto.toUpperCase(Locale.ROOT));
                out.put((VirtualServerKey.ByAddress) VirtualServerKey.of(a, p, Integer.parseInt(m.group(3))),
                        (int) Long.parseLong(m.group(4), 16));
            } catch (IllegalArgumentException e) {
                // not an element of ours
            }
        }
        return out;
    }

    private static List<String> firewalled(Collection<ServiceTable.Firewalled> all, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (ServiceTable.Firewalled e : all) {
            if (e.service().family() == f) {
                out.add(element(e.service()));
            }
        }
        return new ArrayList<>(out);
    }

    /** Every allowed source of every firewalled port, as non-overlapping ranges (see {@link #disjoint}). */
    private static List<String> allowed(Collection<ServiceTable.Firewalled> all, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (ServiceTable.Firewalled e : all) {
            if (e.service().family() == f) {
                for (IpPrefix p : disjoint(e.sources().allowed())) {
                    out.add(element(e.service()) + " . " + IpPrefix.format(p.network()) + "/" + p.length());
                }
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * The ranges without those inside another: the kernel's set of concatenations with intervals (nft_set_pipapo)
     * refuses an element that overlaps one it holds with EEXIST, where a plain interval set would merge them.
     * Two prefixes either nest or are disjoint, so dropping the nested ones leaves no overlap.
     */
    static List<IpPrefix> disjoint(List<IpPrefix> ranges) {
        List<IpPrefix> byLength = new ArrayList<>(ranges);
        byLength.sort(java.util.Comparator.comparingInt(IpPrefix::length));
        List<IpPrefix> out = new ArrayList<>();
        for (IpPrefix p : byLength) {
            boolean inside = false;
            for (IpPrefix q : out) {
                if (q.contains(p.network())) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                out.add(p);
            }
        }
        return out;
    }

    private static List<String> shortCircuits(Collection<ServiceTable.ShortCircuited> all, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (ServiceTable.ShortCircuited e : all) {
            if (e.service().family() == f) {
                out.add(element(e.service()) + " : " + String.format("0x%08x", e.mark()));
            }
        }
        return new ArrayList<>(out);
    }

    private static void set(StringBuilder sb, String name, String type, boolean interval, List<String> elements) {
        sb.append("  set ").append(name).append(" {\n    type ").append(type).append(";\n");
        if (interval) {
            sb.append("    flags interval;\n");
        }
        if (!elements.isEmpty()) {
            sb.append("    elements = { ").append(String.join(", ", elements)).append(" }\n");
        }
        sb.append("  }\n");
    }

    private static List<String> serviceElements(Collection<VirtualServerKey> keys, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (VirtualServerKey k : keys) {
            if (k instanceof VirtualServerKey.ByAddress a && a.family() == f) {
                out.add(element(a));
            }
        }
        return new ArrayList<>(out);
    }

    private static List<String> addresses(Collection<InetAddress> addrs, AddressFamily f) {
        TreeSet<String> out = new TreeSet<>();
        for (InetAddress a : addrs) {
            if (AddressFamily.of(a) == f) {
                out.add(IpPrefix.format(a));
            }
        }
        return new ArrayList<>(out);
    }

    private static List<String> hairpin(Collection<InetAddress> addrs, AddressFamily f) {
        List<String> out = new ArrayList<>();
        for (String a : addresses(addrs, f)) {
            out.add(a + " . " + a);
        }
        return out;
    }

    private static List<String> prefixes(List<IpPrefix> cidrs, AddressFamily f) {
        List<String> out = new ArrayList<>();
        for (IpPrefix p : cidrs) {
            if (p.family() == f) {
                out.add(p.toString());
            }
        }
        return out;
    }
}
