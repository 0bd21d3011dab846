package io.kubedsr.proxy.overlay;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.kubedsr.tunnel.FouPort;

/**
 * What one overlay sync did: whether it was full (every node planned, orphans collected), how many nodes it
 * planned, the kernel writes it issued, the tunnels and direct routes wanted afterwards, the nodes whose writes
 * failed (a full sync follows), its time, the tunnels it converted in place (another encapsulation, port,
 * local address or TTL), the wanted tunnels by what they send ({@code ipip}, {@code gue}), and the GUE receive
 * ports found open or opened (a full sync checks them; empty: this node takes IPIP only).
 */
public record OverlaySyncResult(boolean full, int nodesPlanned, long writes, int tunnels, int directRoutes, int failedNodes,
        Duration elapsed, int converted, Map<String, Integer> tunnelsByEncapsulation, List<FouPort> receivePorts) {
    public OverlaySyncResult {
        tunnelsByEncapsulation = Map.copyOf(tunnelsByEncapsulation);
        receivePorts = List.copyOf(receivePorts);
    }

    /** A sync that could not run (this node unknown): nothing planned, nothing written. */
    public static OverlaySyncResult skipped(boolean full) {
        return new OverlaySyncResult(full, 0, 0, 0, 0, 0, Duration.ZERO, 0, Map.of(), List.of());
    }
}
