package io.kubedsr.proxy.kernel;

import java.time.Duration;
import java.util.List;

import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.proxy.model.Problem;

/**
 * What one sync did: kernel writes issued, IPVS writes that failed, Service problems found, time taken (of which
 * planning, the rest reading and writing the kernel), how many real servers are still draining (graceful
 * termination) afterwards, and whether any Service is served with DSR now (a change of the cluster's node addresses
 * matters only then).
 */
public record SyncResult(int ipvsOperations, int addressOperations, List<IpvsFailure> failures, List<Problem> problems,
        Duration elapsed, Duration planning, int draining, boolean dsrServices) {
    public SyncResult {
        failures = List.copyOf(failures);
        problems = List.copyOf(problems);
    }

    public int kernelWrites() {
        return ipvsOperations + addressOperations;
    }

    /** Some kernel write was refused: what the kernel holds differs from what was asked for. */
    public boolean partialFailure() {
        return !failures.isEmpty();
    }
}
