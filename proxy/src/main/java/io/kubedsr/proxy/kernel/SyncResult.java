package io.kubedsr.proxy.kernel;

import java.time.Duration;
import java.util.List;

import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.proxy.model.Problem;

/**
 * What one sync did: kernel writes issued, IPVS writes that failed, Service problems found, time taken (and where
 * it went), how many real servers are still draining (graceful termination) afterwards, whether any Service
 * is served with DSR now (a change of the cluster's node addresses matters only then), and how many virtual
 * servers a verification in progress has yet to read ({@link SyncEngine#verify}).
 */
public record SyncResult(int ipvsOperations, int addressOperations, List<IpvsFailure> failures, List<Problem> problems,
        Duration elapsed, SyncPhases phases, int draining, boolean dsrServices, int verificationLeft) {
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
