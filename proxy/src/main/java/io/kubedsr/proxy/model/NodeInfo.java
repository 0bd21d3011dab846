package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.List;

/**
 * This node as the planner needs it: its name, its addresses (InternalIP first, per family) on which
 * NodePorts are served, every local address for {@code --nodeport-bindon-all-ip}, and its zone (the
 * {@code topology.kubernetes.io/zone} label of its Node; empty when it has none), which topology-aware routing
 * compares with the EndpointSlices' zone hints.
 */
public record NodeInfo(String name, List<InetAddress> addresses, List<InetAddress> allLocalAddresses, String zone) {
    /** The Node label naming the node's zone. */
    public static final String ZONE_LABEL = "topology.kubernetes.io/zone";

    public NodeInfo {
        addresses = List.copyOf(addresses);
        allLocalAddresses = List.copyOf(allLocalAddresses);
        zone = zone == null ? "" : zone;
    }

    /** A node without a zone label. */
    public NodeInfo(String name, List<InetAddress> addresses, List<InetAddress> allLocalAddresses) {
        this(name, addresses, allLocalAddresses, "");
    }
}
