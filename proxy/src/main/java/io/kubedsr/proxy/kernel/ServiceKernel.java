package io.kubedsr.proxy.kernel;

import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.netlink.route.Routing;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.nft.Nftables;

/**
 * Everything the service engine writes to, as narrow seams: the IPVS table, addresses/routes/rules of the node,
 * kube-dsr's nftables table, the DSR receivers in this node's pods, and UDP conntrack. The agent passes the
 * kernel's; engine tests pass in-memory ones that contract tests hold to the kernel's answers.
 */
public record ServiceKernel(IpvsTable ipvs, Routing routing, Nftables nft, PodReceivers pods, UdpConntrack conntrack) {
    public ServiceKernel {
        if (ipvs == null || routing == null || nft == null || pods == null || conntrack == null) {
            throw new IllegalArgumentException("every part of the kernel is needed (use PodReceivers.NONE, UdpConntrack.NONE)");
        }
    }
}
