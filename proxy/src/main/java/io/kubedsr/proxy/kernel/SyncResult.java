package io.kubedsr.proxy.kernel;

import java.time.Duration;
import java.util.List;

import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.proxy.model.Problem;

/**
 * What one sync did: kernel writes issued, IPVS writes that failed, Service problems found, time taken, and how
 * many real servers are still draining (graceful termination) afterwards.
 */
public record SyncResult(int ipvsOperations, int addressOperations, List<IpvsFailure> failures, List<Problem> problems,
        Duration elapsed, int draining) {
    public SyncResult {
        failures = List.copyOf(failures);
        problems = List.copyOf(problems);
    }

    public int kernelWrites() {
        return ipvsOperations + addressOperations;
    }
}
