package io.kubedsr.proxy.encap;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.Nftables;

/**
 * The node's guard: its {@value EncapGuardRules#NODE_TABLE} table accepts IPIP and GUE only from the cluster's
 * node addresses, kept up to date from the Node informer. Nothing is written before the informer has listed
 * every Node (a partial list would cut the overlay to the nodes not listed yet), nor with no node address at
 * all. A failure is logged and retried at the next change. Runs on the kernel thread.
 */
public final class EncapGuard {
    private static final Logger LOG = LoggerFactory.getLogger(EncapGuard.class);

    private final Nftables table;
    private final List<Integer> guePorts;
    private Set<InetAddress> nodes = Set.of();
    private boolean synced;

    /** {@code guePorts}: the UDP ports this node decapsulates GUE on (ReceivePorts#nodePortNumbers; none without the overlay). */
    public EncapGuard(Nftables table, Collection<Integer> guePorts) {
        this.table = table;
        this.guePorts = List.copyOf(guePorts);
    }

    /** Every Node's addresses, as the Node informer last reported them. */
    public void nodesChanged(Set<InetAddress> addresses) {
        nodes = Set.copyOf(addresses);
        apply();
    }

    /** The Node informer has listed every Node, with these addresses: the guard may be written. */
    public void informerSynced(Set<InetAddress> addresses) {
        nodes = Set.copyOf(addresses);
        synced = true;
        apply();
    }

    /** The rendered table for the current node addresses. */
    String script() {
        return EncapGuardRules.render(EncapGuardRules.NODE_TABLE, new EncapGuardRules.Input(nodes, guePorts));
    }

    private void apply() {
        if (!synced) {
            return;
        }
        if (nodes.isEmpty()) {
            LOG.warn("encapsulation guard: no Node has an address; the guard is left as it is");
            return;
        }
        try {
            if (table.apply(script())) {
                LOG.info("encapsulation guard: IPIP and GUE accepted only from {} node addresses", nodes.size());
            }
        } catch (RuntimeException e) {
            LOG.error("encapsulation guard could not be written (retried at the next Node change): {}", e.getMessage());
        }
    }

    /** Removes the table (--cleanup-config). */
    public void delete() {
        table.delete();
    }
}
