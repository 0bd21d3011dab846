package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.util.List;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * How to reach one peer's pods, per address family either directly (its pod CIDRs via its address on a shared
 * subnet) or through a tunnel to it; and the problems that left a family out.
 */
public record NodePlan(String node, List<Direct> direct, List<Tunnel> tunnels, List<String> problems) {
    public NodePlan {
        direct = List.copyOf(direct);
        tunnels = List.copyOf(tunnels);
        problems = List.copyOf(problems);
    }

    public static NodePlan empty(String node) {
        return new NodePlan(node, List.of(), List.of(), List.of());
    }

    /** Pod CIDRs routed via the peer's address, no tunnel. */
    public record Direct(InetAddress via, List<IpPrefix> podCidrs) {
        public Direct {
            podCidrs = List.copyOf(podCidrs);
        }
    }

    /** A tunnel to the peer and the pod CIDRs routed through it. */
    public record Tunnel(TunnelSpec spec, List<IpPrefix> podCidrs) {
        public Tunnel {
            podCidrs = List.copyOf(podCidrs);
        }
    }
}
