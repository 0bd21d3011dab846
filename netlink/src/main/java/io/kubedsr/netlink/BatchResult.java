package io.kubedsr.netlink;

import java.util.List;

/** Outcome of {@link NetlinkConnection#executeBatch}: how many requests were sent and which of them failed. */
public record BatchResult(int requests, List<Failure> failures) {
    public BatchResult {
        failures = List.copyOf(failures);
    }

    /** One failed request: its position in the batch, the request and the kernel's error. */
    public record Failure(int index, NetlinkRequest request, NetlinkException error) {
    }

    public boolean allSucceeded() {
        return failures.isEmpty();
    }

    /** Throws the first failure, for callers that treat any failure as fatal. */
    public void throwIfFailed() {
        if (!failures.isEmpty()) {
            NetlinkException first = failures.get(0).error();
            if (failures.size() > 1) {
                first.addSuppressed(new RuntimeException((failures.size() - 1) + " more requests of the batch failed"));
            }
            throw first;
        }
    }
}
