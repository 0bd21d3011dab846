package io.kubedsr.proxy.nft;

import java.net.InetAddress;
import java.util.Collection;

import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrReconciler;
import io.kubedsr.proxy.encap.ReceivePorts;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.tunnel.Encapsulation;

/** What the nftables table is rendered from, read off the service table, the held VIPs and the flags. */
public final class NftInputs {
    private NftInputs() {
    }

    /**
     * The GUE ports are every port GUE is sent to in the cluster (all the receive ports): the DSR mark is cleared
     * on UDP to them, and DSR SYN-ACKs are clamped for GUE since the receivers take it. With the overlay enabled,
     * a director may reach a pod through a tunnel of either encapsulation: the clamp leaves room for GUE's.
     */
    public static NftRules.Input of(AgentConfig config, ServiceTable table, Collection<InetAddress> heldVips, int linkMtu) {
        return new NftRules.Input(table.winners().keySet(), table.keepSource(), heldVips, config.clusterCidr(),
                table.hairpinEndpoints(), config.masqueradeAll(), config.ipvsPermitAll(), DsrReconciler.nftEntries(table), linkMtu,
                ReceivePorts.of(config), config.enableOverlay() ? Encapsulation.gue(config.overlayEncapPort()) : null,
                table.firewalled(), table.shortCircuitEntries());
    }
}
