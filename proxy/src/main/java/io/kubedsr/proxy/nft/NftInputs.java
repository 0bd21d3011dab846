package io.kubedsr.proxy.nft;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrReconciler;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.tunnel.Encapsulation;

/** What the nftables table is rendered from, read off the service table, the held VIPs and the flags. */
public final class NftInputs {
    private NftInputs() {
    }

    public static NftRules.Input of(AgentConfig config, ServiceTable table, Collection<InetAddress> heldVips, int linkMtu) {
        List<DsrEntry> dsr = new ArrayList<>(DsrReconciler.nftEntries(table));
        Set<Integer> guePorts = new HashSet<>();
        if (config.overlayEncap() instanceof Encapsulation.Gue g) {
            guePorts.add(g.port());
        }
        for (DsrEntry e : dsr) {
            if (e.encapsulation() instanceof Encapsulation.Gue g) {
                guePorts.add(g.port());
            }
        }
        return new NftRules.Input(table.winners().keySet(), table.keepSource(), heldVips, config.clusterCidr(),
                table.hairpinEndpoints(), config.masqueradeAll(), config.ipvsPermitAll(), dsr, linkMtu, guePorts,
                table.firewalled(), table.shortCircuitEntries());
    }
}
