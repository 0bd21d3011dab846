package io.kubedsr.netlink.genl;

import java.util.Map;

/** A generic netlink family as the controller reports it: id, version, header size, multicast groups. */
public record GenlFamily(int id, String name, int version, int headerSize, int maxAttribute,
        Map<String, Integer> multicastGroups) {
    public GenlFamily {
        multicastGroups = Map.copyOf(multicastGroups);
    }
}
