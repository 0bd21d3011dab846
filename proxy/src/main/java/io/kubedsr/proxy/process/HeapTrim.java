package io.kubedsr.proxy.process;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;

/**
 * Gives the start's garbage back to the node, once, when the agent is ready. The start is the agent's largest
 * transient: the informers' first lists decoded whole and the first full sync's plan and dump grow the heap to its
 * maximum (192 MB committed at 10,000 Services for 65 MB live, docs/performance.md), and the serial collector
 * uncommits heap only at a full collection, only down to what {@code -XX:MaxHeapFreeRatio} allows, and by default in
 * steps over several collections ({@code -XX:+ShrinkHeapInSteps}). The DaemonSets' options set
 * {@code -XX:MaxHeapFreeRatio=20 -XX:MinHeapFreeRatio=10 -XX:-ShrinkHeapInSteps}, so this one collection leaves the
 * heap near its live set; with the JVM's defaults it shrinks little or nothing, which the log line shows.
 */
public final class HeapTrim {
    /** The heap before and after, in bytes. */
    public record Result(long usedBefore, long committedBefore, long usedAfter, long committedAfter, long pauseNanos) {
        public String line() {
            return "heap trimmed after the start: committed_mb=" + mb(committedBefore) + "->" + mb(committedAfter) + " used_mb="
                    + mb(usedBefore) + "->" + mb(usedAfter) + " pause_ms=" + pauseNanos / 1_000_000;
        }

        private static long mb(long bytes) {
            return Math.round(bytes / 1048576.0);
        }
    }

    private HeapTrim() {
    }

    /** One full collection: a stop of every thread, as long as marking and compacting the live set takes (logged). */
    public static Result run() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        MemoryUsage before = memory.getHeapMemoryUsage();
        long t0 = System.nanoTime();
        memory.gc();
        long pause = System.nanoTime() - t0;
        MemoryUsage after = memory.getHeapMemoryUsage();
        return new Result(before.getUsed(), before.getCommitted(), after.getUsed(), after.getCommitted(), pause);
    }
}
