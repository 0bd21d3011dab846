package io.kubedsr.proxy.encap;

import java.util.List;

import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.tunnel.Encapsulation;

/** What the node's guard covers, from the configuration. */
public final class EncapGuards {
    private EncapGuards() {
    }

    /**
     * The UDP ports the node decapsulates GUE on: the overlay's port when the overlay is GUE; none otherwise
     * (then no FOU port is open on the node, and UDP to that port is none of the guard's business). DSR's GUE
     * ports are in the pods, guarded there.
     */
    public static List<Integer> guePorts(AgentConfig config) {
        return config.enableOverlay() && config.overlayEncap() instanceof Encapsulation.Gue g ? List.of(g.port()) : List.of();
    }
}
