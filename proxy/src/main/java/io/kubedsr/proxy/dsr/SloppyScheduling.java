package io.kubedsr.proxy.dsr;

/**
 * Whether IPVS may schedule a packet of a connection it never saw start (net.ipv4.vs.sloppy_tcp, sloppy_sctp):
 * needed while a DSR virtual server is scheduled by mh, so that a connection the network moves to this node
 * carries on to the pod the first node chose. The agent's is {@code kernel.SloppySysctls}.
 */
public interface SloppyScheduling {
    /** On ({@code wanted}) or back to what was there before; returns the number of kernel writes. */
    int require(boolean wanted);

    /** Leaves the sysctls alone: tools and engines that must not change them. */
    SloppyScheduling NONE = wanted -> 0;
}
