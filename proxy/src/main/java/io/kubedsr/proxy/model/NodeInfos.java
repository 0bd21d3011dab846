package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/** This node's addresses from its Node object: per family the first InternalIP, else the first ExternalIP. */
public final class NodeInfos {
    private NodeInfos() {
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
