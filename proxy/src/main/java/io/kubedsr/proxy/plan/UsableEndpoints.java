package io.kubedsr.proxy.plan;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.proxy.model.NodeInfo;

/**
 * Which endpoints of a Service port serve which traffic, as Kubernetes specifies it for kube-proxy:
 * <ul>
 * <li><b>Cluster</b> traffic policy: the ready endpoints the topology allows; when none is ready anywhere, the
 * serving and terminating ones (KEP-1669), whatever their topology;</li>
 * <li><b>Local</b> traffic policy: the ready endpoints on this node; when none, the serving and terminating ones on
 * this node;</li>
 * <li><b>topology</b> (topology-aware routing, and {@code spec.trafficDistribution}, which the EndpointSlice
 * controller turns into the same hints): only when <em>every</em> ready endpoint carries hints is any hint
 * followed. Node hints ({@code hints.forNodes}, from PreferSameNode) when one names this node; otherwise zone
 * hints ({@code hints.forZones}, from {@code topology-mode: Auto}, PreferClose and PreferSameZone) when one names
 * this node's zone; otherwise none, and every ready endpoint serves. A hint missing on one endpoint, a node without
 * a zone label, or no endpoint hinted for this node's zone all fall back to every endpoint, so a hint can narrow
 * the choice but never leave a node without endpoints.</li>
 * </ul>
 * Pure; loops rather than streams, as the planner runs in the cold code of a first full sync.
 */
final class UsableEndpoints {
    /** How the ready endpoints are narrowed for this node. */
    enum Topology {
        NONE, SAME_ZONE, SAME_NODE
    }

    private UsableEndpoints() {
    }

    /** Endpoints for Cluster traffic policy on this node. */
    static List<EndpointView> cluster(List<EndpointView> all, NodeInfo node) {
        Topology topology = topology(all, node.name(), node.zone());
        List<EndpointView> ready = new ArrayList<>();
        for (EndpointView e : all) {
            if (e.ready() && allowed(e, topology, node)) {
                ready.add(e);
            }
        }
        // Topology never empties a list that has ready endpoints (it is NONE then), so an empty list here means no
        // endpoint is ready anywhere.
        return ready.isEmpty() ? servingTerminating(all, null) : ready;
    }

    /** Endpoints for Local traffic policy: this node's. */
    static List<EndpointView> local(List<EndpointView> all, String nodeName) {
        List<EndpointView> ready = new ArrayList<>();
        for (EndpointView e : all) {
            if (e.ready() && nodeName.equals(e.nodeName())) {
                ready.add(e);
            }
        }
        return ready.isEmpty() ? servingTerminating(all, nodeName) : ready;
    }

    /** Which hints this node follows for these endpoints. */
    static Topology topology(List<EndpointView> all, String nodeName, String zone) {
        boolean anyReady = false;
        boolean allNodeHints = true;
        boolean forThisNode = false;
        boolean allZoneHints = true;
        boolean forThisZone = false;
        for (EndpointView e : all) {
            if (!e.ready()) {
                continue;
            }
            anyReady = true;
            if (e.forNodes().isEmpty()) {
                allNodeHints = false;
            } else if (e.forNodes().contains(nodeName)) {
                forThisNode = true;
            }
            if (e.forZones().isEmpty()) {
                allZoneHints = false;
            } else if (!zone.isEmpty() && e.forZones().contains(zone)) {
                forThisZone = true;
            }
        }
        if (!anyReady) {
            return Topology.NONE;
        }
        if (allNodeHints && forThisNode) {
            return Topology.SAME_NODE;
        }
        return allZoneHints && forThisZone ? Topology.SAME_ZONE : Topology.NONE;
    }

    private static boolean allowed(EndpointView e, Topology topology, NodeInfo node) {
        return switch (topology) {
            case NONE -> true;
            case SAME_NODE -> e.forNodes().contains(node.name());
            case SAME_ZONE -> e.forZones().contains(node.zone());
        };
    }

    /** The serving and terminating endpoints (on {@code onlyNode} when it is not null). */
    private static List<EndpointView> servingTerminating(List<EndpointView> all, String onlyNode) {
        List<EndpointView> out = new ArrayList<>();
        for (EndpointView e : all) {
            if (!e.ready() && e.serving() && e.terminating() && (onlyNode == null || onlyNode.equals(e.nodeName()))) {
                out.add(e);
            }
        }
        return out;
    }
}
