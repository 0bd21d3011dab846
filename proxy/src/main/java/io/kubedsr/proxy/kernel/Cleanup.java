package io.kubedsr.proxy.kernel;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrReconciler;
import io.kubedsr.proxy.dsr.SloppyScheduling;
import io.kubedsr.proxy.encap.ReceivePorts;

/**
 * {@code --cleanup-config}: removes what {@link Ownership} says is kube-dsr's, judged from the kernel alone
 * ({@link KernelEvidence}): its virtual servers (DSR and short-circuit fwmark services too), the policy rules and table 78, the
 * receivers in this node's pods, its nftables table and kube-dummy-if. Nothing else. (The overlay's tunnels
 * are removed by the tunnel module, see Main.)
 */
public final class Cleanup {
    private Cleanup() {
    }

    /** Returns how many objects were removed. */
    public static int run(AgentConfig config, ServiceKernel kernel) {
        KernelEvidence evidence = KernelEvidence.read(kernel.routing(), kernel.nft().dsrMarks(), kernel.nft().shortCircuitMarks());
        Ownership ownership = new Ownership(config.excludedCidrs());
        List<IpvsOperation> ops = new ArrayList<>();
        for (VirtualServerStatus vs : kernel.ipvs().virtualServers()) {
            if (ownership.owns(vs.server().key(), evidence)) {
                ops.add(new IpvsOperation.DeleteVirtualServer(vs.server().key()));
            }
        }
        kernel.ipvs().apply(ops);
        int removed = ops.size() + new DsrReconciler(kernel.routing(), kernel.pods(), SloppyScheduling.NONE,
                ReceivePorts.receivers(config)).removeAll();
        kernel.nft().delete();
        Link dummy = kernel.routing().link(SyncEngine.DUMMY_LINK).orElse(null);
        if (dummy != null) {
            kernel.routing().deleteLink(dummy.index());
            removed++;
        }
        return removed;
    }
}
