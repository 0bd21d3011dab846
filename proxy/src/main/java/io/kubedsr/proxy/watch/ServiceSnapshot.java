package io.kubedsr.proxy.watch;

import java.net.InetAddress;
import java.util.Set;

import io.kubedsr.proxy.model.NodeInfo;

/**
 * What one service sync reads, taken on the agent's context and handed to the kernel thread: the Services and
 * EndpointSlices it re-plans ({@code model}: all of them for a full sync, the changed ones otherwise), this
 * node (its NodePort addresses), and every node's addresses (an endpoint with one is a hostNetwork pod, which
 * cannot receive DSR). Nothing reaches the engine any other way.
 */
public record ServiceSnapshot(ClusterModel model, NodeInfo node, Set<InetAddress> clusterNodeAddresses) {
    public ServiceSnapshot {
        clusterNodeAddresses = Set.copyOf(clusterNodeAddresses);
    }
}
