package io.kubedsr.proxy.sync;

import java.time.Duration;

/**
 * Time as a sync loop sees it: now, callbacks later, and callbacks on its context. {@link VertxTimers} is the
 * agent's (its Vert.x context); tests drive a loop through virtual time with a manual implementation.
 */
public interface LoopTimers {
    /** Milliseconds on a monotonic clock. */
    long nowMillis();

    /** Runs {@code task} on the loop's context after {@code delay}. */
    void later(Duration delay, Runnable task);

    /** Runs {@code task} on the loop's context (from any thread). */
    void onContext(Runnable task);
}
