package io.kubedsr.tunnel;

import java.util.concurrent.atomic.AtomicLong;

/** Counts the kernel writes a manager issues (creates, deletes, changes), for tests and metrics. */
public final class WriteCounter {
    private final AtomicLong writes = new AtomicLong();

    void add(int n) {
        writes.addAndGet(n);
    }

    void one() {
        writes.incrementAndGet();
    }

    public long total() {
        return writes.get();
    }
}
