package io.kubedsr.proxy.sync;

import java.time.Duration;

import io.vertx.core.Context;

/** A sync loop's time on the agent's Vert.x context: its timers and its event loop. */
public final class VertxTimers implements LoopTimers {
    private final Context context;

    public VertxTimers(Context context) {
        this.context = context;
    }

    @Override
    public long nowMillis() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public void later(Duration delay, Runnable task) {
        // Set from the context, so the timer fires on it too; at least 1 ms (Vert.x refuses 0).
        context.runOnContext(v -> context.owner().setTimer(Math.max(1, delay.toMillis()), id -> task.run()));
    }

    @Override
    public void onContext(Runnable task) {
        context.runOnContext(v -> task.run());
    }
}
