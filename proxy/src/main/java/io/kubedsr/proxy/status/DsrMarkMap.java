package io.kubedsr.proxy.status;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the DSR mark maps {@code dsr4} and {@code dsr6} (type {@code ipv4_addr . inet_proto . inet_service : mark})
 * out of {@code nft -j list table inet kube-dsr}. nft 1.0 prints each element as
 * {@code [{"concat": ["203.0.113.10", "tcp", 80]}, 291]}; the protocol may also come as a number and the
 * port as a string, both accepted. Pure.
 */
public final class DsrMarkMap {
    public static final String MAP_V4 = "dsr4";
    public static final String MAP_V6 = "dsr6";

    /** One element: packets to address:port/protocol get the mark. */
    public record Entry(String family, String address, String protocol, int port, long mark) {
    }

    /** The maps' contents, or empty {@code present} false when the table holds neither map. */
    public record Contents(boolean present, List<Entry> entries) {
    }

    private DsrMarkMap() {
    }

    public static Contents parse(String nftJson) {
        JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(nftJson);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("nft printed no JSON: " + e.getOriginalMessage(), e);
        }
        boolean present = false;
        List<Entry> out = new ArrayList<>();
        for (JsonNode item : root.path("nftables")) {
            JsonNode map = item.get("map");
            if (map == null) {
                continue;
            }
            String name = map.path("name").asText();
            if (!name.equals(MAP_V4) && !name.equals(MAP_V6)) {
                continue;
            }
            present = true;
            String family = name.equals(MAP_V4) ? "ipv4" : "ipv6";
            for (JsonNode elem : map.path("elem")) {
                JsonNode concat = elem.path(0).path("concat");
                JsonNode mark = elem.path(1);
                if (concat.size() != 3 || !mark.canConvertToLong()) {
                    throw new IllegalArgumentException("unexpected element in map " + name + ": " + elem);
                }
                out.add(new Entry(family, concat.get(0).asText(), protocol(concat.get(1)), concat.get(2).asInt(),
                        mark.asLong()));
            }
        }
        return new Contents(present, out);
    }

    private static String protocol(JsonNode n) {
        if (!n.isNumber()) {
            return n.asText();
        }
        switch (n.asInt()) {
            case 6:
                return "tcp";
            case 17:
                return "udp";
            case 132:
                return "sctp";
            default:
                return Integer.toString(n.asInt());
        }
    }
}
