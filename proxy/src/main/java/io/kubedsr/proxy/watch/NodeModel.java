package io.kubedsr.proxy.watch;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.NodeInfos;

/**
 * Every Node the agent has seen, and what the two sync loops read off them: this node's addresses (NodePorts are
 * served on them; they are the overlay tunnels' local ends), this node's zone (topology-aware routing) and every
 * node's addresses (the service side's hostNetwork check for DSR). Each update says which of those changed; it
 * costs the one Node's addresses, not a pass over every node (a start lists them all, one update each).
 * Confined to the agent's context.
 */
public final class NodeModel {
    /** What one Node update changed: this node's addresses or zone, or the set of every node's addresses. */
    public record Change(String name, boolean self, boolean selfAddresses, boolean selfZone, boolean clusterAddresses) {
    }

    private final String self;
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, List<InetAddress>> addressesByNode = new HashMap<>();
    /** How many nodes hold each address: an address leaves the cluster's set when its last node drops it. */
    private final Map<InetAddress, Integer> holders = new HashMap<>();
    private List<InetAddress> selfAddresses = List.of();
    private String selfZone = "";
    private Set<InetAddress> clusterAddresses = Set.of();

    public NodeModel(String self) {
        this.self = self;
    }

    public String selfName() {
        return self;
    }

    /** Whether the model holds this very version of the Node (same uid and resourceVersion). */
    public boolean holds(Node n) {
        Node held = nodes.get(n.getMetadata().getName());
        return held != null && ClusterModel.sameVersion(held, n);
    }

    public Change put(Node n) {
        String name = n.getMetadata().getName();
        nodes.put(name, n);
        List<InetAddress> addresses = NodeInfos.nodeAddresses(n);
        boolean addressesChanged = false;
        boolean zoneChanged = false;
        if (name.equals(self)) {
            addressesChanged = !addresses.equals(selfAddresses);
            selfAddresses = addresses;
            String zone = NodeInfos.zone(n);
            zoneChanged = !zone.equals(selfZone);
            selfZone = zone;
        }
        return new Change(name, name.equals(self), addressesChanged, zoneChanged, moveAddresses(name, addresses));
    }

    public Change remove(Node n) {
        String name = n.getMetadata().getName();
        nodes.remove(name);
        return new Change(name, name.equals(self), false, false, moveAddresses(name, List.of()));
    }

    /** Gives a node its new addresses in the count of holders; returns whether the cluster's set changed. */
    private boolean moveAddresses(String name, List<InetAddress> addresses) {
        List<InetAddress> before = addresses.isEmpty() ? addressesByNode.remove(name) : addressesByNode.put(name, addresses);
        boolean changed = false;
        for (InetAddress a : Set.copyOf(addresses)) {
            changed |= holders.merge(a, 1, Integer::sum) == 1;
        }
        for (InetAddress a : before == null ? Set.<InetAddress>of() : Set.copyOf(before)) {
            if (holders.merge(a, -1, Integer::sum) == 0) {
                holders.remove(a);
                changed = true;
            }
        }
        if (changed) {
            clusterAddresses = Set.copyOf(holders.keySet());
        }
        return changed;
    }

    /** This node as the service planner needs it. */
    public NodeInfo selfInfo() {
        return new NodeInfo(self, selfAddresses, selfAddresses, selfZone);
    }

    /** Every node's addresses (immutable). */
    public Set<InetAddress> clusterAddresses() {
        return clusterAddresses;
    }

    /** This node's Node object as last seen (null before the informer delivered it). */
    public Node self() {
        return nodes.get(self);
    }

    /** Every Node, copied (what a full overlay sync reads on the kernel thread). */
    public List<Node> all() {
        return new ArrayList<>(nodes.values());
    }

    /** The named Nodes that exist, copied; a name missing from the result was deleted. */
    public Map<String, Node> subset(Collection<String> names) {
        Map<String, Node> out = new HashMap<>();
        for (String n : names) {
            Node node = nodes.get(n);
            if (node != null) {
                out.put(n, node);
            }
        }
        return out;
    }
}
