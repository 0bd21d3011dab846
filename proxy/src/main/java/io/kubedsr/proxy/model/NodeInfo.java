package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.List;

/**
 * This node as the planner needs it: its name, its addresses (InternalIP first, per family) on which
 * NodePorts are served, and every local address for {@code --nodeport-bindon-all-ip}.
 */
public record NodeInfo(String name, List<InetAddress> addresses, List<InetAddress> allLocalAddresses) {
    public NodeInfo {
        addresses = List.copyOf(addresses);
        allLocalAddresses = List.copyOf(allLocalAddresses);
    }
}
