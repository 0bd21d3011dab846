package io.kubedsr.proxy.plan;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.kubedsr.ipvs.IpvsOperation;

/**
 * The IPVS writes that turn the realized state into the desired one, in order; the real servers draining
 * after them (with the time each started); and the UDP real servers removed, whose conntrack entries must
 * be flushed (only theirs, not the whole VIP's).
 */
public record IpvsPlan(List<IpvsOperation> operations, Map<DrainKey, Instant> draining, List<DrainKey> removedUdp) {
    public IpvsPlan {
        operations = List.copyOf(operations);
        draining = Map.copyOf(draining);
        removedUdp = List.copyOf(removedUdp);
    }
}
