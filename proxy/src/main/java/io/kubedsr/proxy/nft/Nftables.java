package io.kubedsr.proxy.nft;

import java.util.Map;

import io.kubedsr.ipvs.VirtualServerKey;

/**
 * kube-dsr's nftables table as the service engine sees it: one narrow seam. {@link NftTable} runs nft in the
 * node's namespace; engine tests use an in-memory one that a contract test (NftablesContract) holds to what nft
 * and the kernel do.
 */
public interface Nftables {
    /**
     * Makes the kernel hold the rendered table (one atomic transaction); returns whether anything was written
     * (false when the kernel holds exactly this table already, e.g. after a restart). Throws with nft's own
     * message when it refuses the script.
     */
    boolean apply(String script);

    /** The DSR marks the table's maps hold now (empty when there is no table): what a restart keeps. */
    Map<VirtualServerKey.ByAddress, Integer> dsrMarks();

    /**
     * The short-circuit marks the table's maps hold now, by the external address they are given for (empty when
     * there is no table): what a restart keeps.
     */
    Map<VirtualServerKey.ByAddress, Integer> shortCircuitMarks();

    /** Deletes the table (cleanup); absent is fine. */
    void delete();
}
