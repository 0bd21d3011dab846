package io.kubedsr.proxy.sync;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Virtual time for a sync loop: callbacks run when {@link #advance} passes their time, in time order (ties in
 * the order they were set), on the test's thread.
 */
final class ManualTimers implements LoopTimers {
    private record Task(long at, long seq, Runnable run) {
    }

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.seq, b.seq));
    private long now;
    private long seq;

    @Override
    public long nowMillis() {
        return now;
    }

    @Override
    public void later(Duration delay, Runnable task) {
        queue.add(new Task(now + delay.toMillis(), seq++, task));
    }

    @Override
    public void onContext(Runnable task) {
        queue.add(new Task(now, seq++, task));
    }

    /** Runs everything due within {@code d}, moving the clock to each task's time; ends at now + d. */
    void advance(Duration d) {
        long end = now + d.toMillis();
        while (!queue.isEmpty() && queue.peek().at <= end) {
            Task t = queue.poll();
            now = Math.max(now, t.at);
            t.run.run();
        }
        now = end;
    }
}
