package io.kubedsr.e2e.lab;

import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Polling for state that the agent, the kernel or the mock API server reaches asynchronously: checks a condition
 * until it holds, and fails with what was awaited once the timeout has passed. Not a speed assertion: the
 * timeouts are generous for the emulated VM.
 */
public final class Await {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Duration INTERVAL = Duration.ofMillis(100);

    private Await() {
    }

    /** Waits up to 60 s for {@code condition}, checking every 100 ms. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, TIMEOUT, INTERVAL, condition);
    }

    /** Waits up to {@code timeout} for {@code condition}, checking every {@code interval}. */
    public static void until(String what, Duration timeout, Duration interval, BooleanSupplier condition)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(String.format(Locale.ROOT, "timed out after %.1f s waiting for %s",
                        (System.nanoTime() - start) / 1e9, what));
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
