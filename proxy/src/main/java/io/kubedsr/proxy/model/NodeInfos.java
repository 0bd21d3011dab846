package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * What the agent reads off a Node object: its addresses (per family the first InternalIP, else the first
 * ExternalIP) and its zone label.
 */
public final class NodeInfos {
    private NodeInfos() {
    }

    /** The node's {@code topology.kubernetes.io/zone} label, or empty. */
    public static String zone(Node node) {
        if (node.getMetadata() == null || node.getMetadata().getLabels() == null) {
            return "";
        }
        String zone = node.getMetadata().getLabels().get(NodeInfo.ZONE_LABEL);
        return zone == null ? "" : zone;
    }

    public static List<InetAddress> nodeAddresses(Node node) {
        List<InetAddress> out = new ArrayList<>();
        for (AddressFamily family : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            InetAddress chosen = first(node, "InternalIP", family);
            if (chosen == null) {
                chosen = first(node, "ExternalIP", family);
            }
            if (chosen != null) {
                out.add(chosen);
            }
        }
        return out;
    }

    private static InetAddress first(Node node, String type, AddressFamily family) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return null;
        }
        for (NodeAddress a : node.getStatus().getAddresses()) {
            if (type.equals(a.getType())) {
                try {
                    InetAddress ip = IpPrefix.parseAddress(a.getAddress());
                    if (AddressFamily.of(ip) == family) {
                        return ip;
                    }
                } catch (IllegalArgumentException ignored) {
                    // a host name in an address field: not usable for NodePorts
                }
            }
        }
        return null;
    }
}
