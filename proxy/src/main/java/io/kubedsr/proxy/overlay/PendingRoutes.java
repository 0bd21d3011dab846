package io.kubedsr.proxy.overlay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.tunnel.NodeTunnels;

/**
 * The routes a sync adds or replaces, collected over all its nodes and then sent in pipelined batches (one
 * datagram per batch instead of one round trip per route); each remembers its node, so that a route the kernel
 * refuses fails only that node.
 */
final class PendingRoutes {
    private final List<Route> routes = new ArrayList<>();
    private final List<String> nodes = new ArrayList<>();

    void add(String node, Route route) {
        routes.add(route);
        nodes.add(node);
    }

    /** Sends them all; returns the nodes of the routes that failed, each with its first error. */
    Map<String, NetlinkException> send(NodeTunnels tunnels) {
        Map<String, NetlinkException> failed = new LinkedHashMap<>();
        if (routes.isEmpty()) {
            return failed;
        }
        BatchResult result = tunnels.replaceRoutes(routes);
        for (BatchResult.Failure f : result.failures()) {
            failed.putIfAbsent(nodes.get(f.index()), f.error());
        }
        routes.clear();
        nodes.clear();
        return failed;
    }
}
