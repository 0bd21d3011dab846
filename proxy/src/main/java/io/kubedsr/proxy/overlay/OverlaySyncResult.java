package io.kubedsr.proxy.overlay;

import java.time.Duration;

/**
 * What one overlay sync did: whether it was full (every node planned, orphans collected), how many nodes it
 * planned, the kernel writes it issued, the tunnels and direct routes wanted afterwards, the nodes whose writes failed (a full sync follows), and its time.
 */
public record OverlaySyncResult(boolean full, int nodesPlanned, long writes, int tunnels, int directRoutes, int failedNodes,
        Duration elapsed) {
    /** A sync that could not run (this node unknown): nothing planned, nothing written. */
    public static OverlaySyncResult skipped(boolean full) {
        return new OverlaySyncResult(full, 0, 0, 0, 0, 0, Duration.ZERO);
    }
}
