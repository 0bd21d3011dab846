package io.kubedsr.e2e.lab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.kubedsr.netlink.TestNamespace;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything in a node's network namespace and its pods' that kube-dsr or anyone else may have written, as one
 * sorted text, read with the kernel's own tools (ipvsadm, iproute2's JSON, nft's JSON) and never with kube-dsr's
 * code: IPVS services, real servers and timeouts; links with their tunnel parameters; addresses; routes of every
 * table; policy rules; the whole nftables ruleset; FOU ports; the sysctls kube-dsr sets. Two dumps of labs built
 * alike compare equal when the kernels hold the same state; what differs between two labs by construction and
 * says nothing about that state is left out: interface indexes, MAC and IPv6 link-local addresses, object handles,
 * counters, and the order in which objects were created (except a chain's rules, whose order is kept).
 */
public final class KernelDump {
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    /** The link flags that are configuration, not carrier state. */
    private static final Set<String> LINK_FLAGS = Set.of("UP", "NOARP", "POINTOPOINT", "LOOPBACK");
    /** What kube-dsr may set on a node (IPVS's, ARP's, loose reverse-path filtering for DSR) and forwarding. */
    private static final List<String> NODE_SYSCTLS = List.of("net/ipv4/ip_forward", "net/ipv4/conf/all/rp_filter",
            "net/ipv4/vs/conntrack", "net/ipv4/vs/expire_nodest_conn", "net/ipv4/vs/expire_quiescent_template",
            "net/ipv4/conf/all/arp_ignore", "net/ipv4/conf/all/arp_announce");

    private KernelDump() {
    }

    /** The node's namespace and each pod's, one section each. */
    public static String of(TestNamespace node, List<TestNamespace> pods) {
        StringBuilder out = new StringBuilder();
        out.append("== node\n").append(node(node));
        for (int i = 0; i < pods.size(); i++) {
            out.append("== pod ").append(i).append('\n').append(pod(pods.get(i)));
        }
        return out.toString();
    }

    /** A node: IPVS, then what every namespace has. */
    public static String node(TestNamespace ns) {
        List<String> lines = new ArrayList<>();
        for (String l : ns.exec("ipvsadm", "-Sn").split("\n")) {
            if (!l.isBlank()) {
                lines.add("ipvs " + l.trim());
            }
        }
        lines.add("ipvs-timeouts " + ns.exec("ipvsadm", "-Ln", "--timeout").trim());
        lines.addAll(common(ns));
        lines.addAll(sysctls(ns, NODE_SYSCTLS));
        return sorted(lines);
    }

    /** A pod: its links (the receivers), addresses, routes, rules, nftables (the receiver's guard), FOU ports. */
    public static String pod(TestNamespace ns) {
        List<String> lines = common(ns);
        List<String> keys = new ArrayList<>(List.of("net/ipv4/conf/all/rp_filter", "net/ipv4/conf/default/rp_filter"));
        for (String link : linkNames(ns)) {
            if (!link.equals("lo")) {
                keys.add("net/ipv4/conf/" + link + "/rp_filter");
            }
        }
        lines.addAll(sysctls(ns, keys));
        return sorted(lines);
    }

    private static List<String> common(TestNamespace ns) {
        List<String> lines = new ArrayList<>();
        for (JsonNode link : json(ns.exec("ip", "-j", "-d", "link", "show"))) {
            lines.add("link " + link(link));
        }
        for (JsonNode link : json(ns.exec("ip", "-j", "addr", "show"))) {
            for (JsonNode a : link.path("addr_info")) {
                if (a.path("family").asString().equals("inet6") && a.path("scope").asString().equals("link")) {
                    continue; // derived from the MAC address
                }
                lines.add("addr " + link.path("ifname").asString() + " " + a.path("family").asString() + " " + a.path("local").asString()
                        + "/" + a.path("prefixlen").asString() + " scope " + a.path("scope").asString());
            }
        }
        for (String family : List.of("-4", "-6")) {
            for (JsonNode r : json(ns.exec("ip", "-j", family, "route", "show", "table", "all"))) {
                String dst = r.path("dst").asString();
                if (dst.startsWith("fe80:")) {
                    continue; // a link-local address's route: derived from the MAC address
                }
                lines.add("route " + canonical(r));
            }
            for (JsonNode r : json(ns.exec("ip", "-j", family, "rule", "show"))) {
                lines.add("rule " + family + " " + canonical(r));
            }
        }
        lines.addAll(nftables(ns));
        for (String family : List.of("-4", "-6")) {
            for (String l : tryExec(ns, "ip", family, "fou", "show").split("\n")) {
                if (!l.isBlank()) {
                    lines.add("fou " + family + " " + l.trim());
                }
            }
        }
        return lines;
    }

    /** A link's configuration: name, kind, MTU, configuration flags, and its kind's data (a tunnel's ends, encapsulation). */
    private static String link(JsonNode link) {
        Set<String> flags = new TreeSet<>();
        link.path("flags").forEach(f -> {
            if (LINK_FLAGS.contains(f.asString())) {
                flags.add(f.asString());
            }
        });
        JsonNode info = link.path("linkinfo");
        return link.path("ifname").asString() + " kind=" + info.path("info_kind").asString("-") + " mtu=" + link.path("mtu").asString()
                + " flags=" + flags + " data=" + canonical(info.path("info_data"));
    }

    /**
     * The ruleset as sorted lines: one per table, chain, set, map, element and rule; handles and counters left out,
     * a set's elements sorted (listed in hash order otherwise), a rule's position in its chain kept.
     */
    private static List<String> nftables(TestNamespace ns) {
        List<String> lines = new ArrayList<>();
        Map<String, Integer> position = new HashMap<>();
        for (JsonNode entry : json(ns.exec("nft", "-j", "list", "ruleset")).path("nftables")) {
            Iterator<String> kinds = entry.propertyNames().iterator();
            String kind = kinds.next();
            if (kind.equals("metainfo")) {
                continue;
            }
            ObjectNode object = ((ObjectNode) entry.get(kind)).deepCopy();
            strip(object);
            if (kind.equals("rule")) {
                String chain = object.path("family").asString() + " " + object.path("table").asString() + " " + object.path("chain").asString();
                int at = position.merge(chain, 1, Integer::sum);
                lines.add("nft rule " + chain + " #" + at + " " + canonical(object.get("expr")));
                continue;
            }
            JsonNode elements = object.remove("elem");
            lines.add("nft " + kind + " " + canonical(object));
            if (elements != null) {
                String owner = object.path("family").asString() + " " + object.path("table").asString() + " " + object.path("name").asString();
                for (JsonNode e : elements) {
                    lines.add("nft element " + owner + " " + canonical(e));
                }
            }
        }
        return lines;
    }

    /** Leaves out handles and counters' values, everywhere in the object. */
    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("handle");
            o.remove("packets"); // a counter's, inline or named
            o.remove("bytes");
            o.values().forEach(KernelDump::strip);
        } else if (node instanceof ArrayNode a) {
            a.forEach(KernelDump::strip);
        }
    }

    private static List<String> linkNames(TestNamespace ns) {
        List<String> out = new ArrayList<>();
        json(ns.exec("ip", "-j", "link", "show")).forEach(l -> out.add(l.path("ifname").asString()));
        return out;
    }

    /**
     * Each key's value as {@code sysctl KEY=VALUE} ("(failed)" for a key the namespace does not have), read in one
     * process: under the VM's emulation every process started costs a fraction of a second.
     */
    private static List<String> sysctls(TestNamespace ns, List<String> keys) {
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "for k in \"$@\"; do printf '%s=' \"$k\"; cat \"/proc/sys/$k\" 2>/dev/null || echo '(failed)'; done", "sysctls"));
        command.addAll(keys);
        List<String> lines = new ArrayList<>();
        for (String l : ns.exec(command.toArray(String[]::new)).split("\n")) {
            if (!l.isBlank()) {
                lines.add("sysctl " + l.trim());
            }
        }
        return lines;
    }

    /** The command's output, or "(failed)" (a module that is not loaded has no FOU table). */
    private static String tryExec(TestNamespace ns, String... command) {
        try {
            return ns.exec(command);
        } catch (IllegalStateException e) {
            return "(failed)";
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.isBlank() ? "[]" : text);
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text, e);
        }
    }

    /** The node as JSON with its keys sorted (and any stripping done before). */
    private static String canonical(JsonNode node) {
        try {
            return JSON.writeValueAsString(JSON.treeToValue(node, Object.class));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sorted(List<String> lines) {
        List<String> copy = new ArrayList<>(lines);
        Collections.sort(copy);
        return String.join("\n", copy) + "\n";
    }
}
