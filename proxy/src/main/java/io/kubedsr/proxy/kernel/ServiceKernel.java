package io.kubedsr.proxy.kernel;

import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.netlink.route.Routing;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.dsr.SloppyScheduling;
import io.kubedsr.proxy.nft.Nftables;

/**
 * Everything the service engine writes to, as narrow seams: the IPVS table, addresses/routes/rules of the node,
 * kube-dsr's nftables table, the DSR receivers in this node's pods, UDP conntrack, and IPVS's sloppy scheduling
 * (sysctls). The agent passes the kernel's; engine tests pass in-memory ones that contract tests hold to the
 * kernel's answers.
 */
public record ServiceKernel(IpvsTable ipvs, Routing routing, Nftables nft, PodReceivers pods, UdpConntrack conntrack,
        SloppyScheduling sloppy) {
    public ServiceKernel {
        if (ipvs == null || routing == null || nft == null || pods == null || conntrack == null || sloppy == null) {
            throw new IllegalArgumentException("every part of the kernel is needed (use PodReceivers.NONE, UdpConntrack.NONE, "
                    + "SloppyScheduling.NONE)");
        }
    }

    /** Without sloppy scheduling: the sysctls are left alone. */
    public ServiceKernel(IpvsTable ipvs, Routing routing, Nftables nft, PodReceivers pods, UdpConntrack conntrack) {
        this(ipvs, routing, nft, pods, conntrack, SloppyScheduling.NONE);
    }
}
