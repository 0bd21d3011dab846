package io.kubedsr.ipvs;

import java.util.List;

/**
 * The IPVS operations the agent's service engine needs, as one narrow seam: dumps, pipelined writes and the
 * global timeouts. {@link IpvsClient} is the kernel's; tests use an in-memory table that a contract test
 * holds to the kernel's answers (the same cases run against both), so errors are the kernel's typed ones:
 * ESRCH for a missing virtual server, ENOENT for a missing real server or an unknown scheduler, EEXIST for
 * an existing one.
 */
public interface IpvsTable {
    /** Every virtual server of the namespace (ours and others'). */
    List<VirtualServerStatus> virtualServers();

    /** The real servers of a virtual server; a missing one throws {@link IpvsException} VIRTUAL_SERVER_NOT_FOUND. */
    List<RealServerStatus> realServers(VirtualServerKey service);

    /**
     * Applies the operations in order; every one is attempted and the failures come back typed and indexed.
     * Throws when the outcome is unknown (lost acknowledgements).
     */
    List<IpvsFailure> apply(List<? extends IpvsOperation> operations);

    IpvsTimeouts timeouts();

    /** Sets the global timeouts; a 0 leaves that timeout unchanged (the kernel's rule). */
    void setTimeouts(IpvsTimeouts timeouts);
}
