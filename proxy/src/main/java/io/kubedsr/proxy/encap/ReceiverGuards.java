package io.kubedsr.proxy.encap;

import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;

/**
 * The guards inside pod namespaces that hold a DSR receiver: a {@value EncapGuardRules#POD_TABLE} table that
 * lets IPIP and GUE reach the receiver only from the cluster's node addresses and this node's own (a director
 * on this node encapsulates from the address its route to the pod prefers, such as the pod bridge's). The pod's
 * own filter sees what the node's cannot: traffic from another pod on the same bridge, which the node never
 * routes. Written before the receiver is made; an unchanged guard costs no nft run. Runs on the kernel thread.
 */
public final class ReceiverGuards {
    /** The node's dummy link of service VIPs: its addresses are never encapsulating sources. */
    static final String VIP_LINK = "kube-dummy-if";

    private final NetworkNamespace node;
    /** What this agent wrote, by pod IP: an unchanged guard costs nothing on an incremental pass. */
    private final Map<InetAddress, String> applied = new HashMap<>();
    private Set<InetAddress> clusterNodes = Set.of();

    /** {@code node}: this node's namespace, whose addresses are allowed sources too (null: none). */
    public ReceiverGuards(NetworkNamespace node) {
        this.node = node;
    }

    /** How many pods' guards it remembers. */
    public int size() {
        return applied.size();
    }

    /** Every Node's addresses, from the Node informer. */
    public void clusterNodes(Set<InetAddress> addresses) {
        clusterNodes = Set.copyOf(addresses);
    }

    /** The allowed sources now: every Node's addresses and this node's own (read from the kernel). */
    public Set<InetAddress> sources() {
        Set<InetAddress> out = new HashSet<>(clusterNodes);
        if (node != null) {
            try (Rtnetlink rtnl = node.openRtnetlink()) {
                out.addAll(localAddresses(rtnl));
            }
        }
        return out;
    }

    /** This node's addresses that can be the source of its own encapsulated packets: not loopback, link-local or VIPs. */
    static Set<InetAddress> localAddresses(Rtnetlink rtnl) {
        int vipLink = rtnl.link(VIP_LINK).map(Link::index).orElse(-1);
        Set<InetAddress> out = new HashSet<>();
        for (Address a : rtnl.addresses(AddressFamily.UNSPEC)) {
            if (a.linkIndex() != vipLink && !a.address().isLoopbackAddress() && !a.address().isLinkLocalAddress()) {
                out.add(a.address());
            }
        }
        return out;
    }

    /**
     * Writes the pod's guard for these sources and the receiver's GUE ports, unless it was written so by this
     * agent already; {@code verify} (a full pass) asks the kernel instead of trusting that memory. Returns whether
     * nft wrote the table.
     */
    public boolean ensure(NetworkNamespace pod, InetAddress podIp, Set<InetAddress> sources, Collection<Integer> ports,
            boolean verify) {
        if (sources.isEmpty()) {
            throw new IllegalStateException("no node address is known yet; the receiver would accept anyone");
        }
        String script = EncapGuardRules.render(EncapGuardRules.POD_TABLE, new EncapGuardRules.Input(sources, ports));
        if (!verify && script.equals(applied.get(podIp))) {
            return false;
        }
        applied.remove(podIp);
        // A fresh table handle compares the kernel's digest comment first: an identical guard is not rewritten.
        boolean written = new NftTable(pod, EncapGuardRules.POD_TABLE).apply(script);
        applied.put(podIp, script);
        return written;
    }

    /** Forgets what was written for a pod IP (its pod is gone, or its receiver failed). */
    public void forget(InetAddress podIp) {
        applied.remove(podIp);
    }

    /** Removes the pod's guard (its receiver is gone); absent is fine. */
    public void remove(NetworkNamespace pod, InetAddress podIp) {
        applied.remove(podIp);
        new NftTable(pod, EncapGuardRules.POD_TABLE).delete();
    }
}
