package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.tunnel.TunnelSpec;

/**
 * Plans the routes to one peer's pods, per address family (pure; kube-router's rules):
 * <ul>
 * <li>{@code --overlay-type=subnet}: a peer on a subnet of this node's interfaces is reached directly, any
 * other through a tunnel;</li>
 * <li>{@code full}: every peer through a tunnel;</li>
 * <li>{@code --enable-overlay=false}: peers on a shared subnet directly, others not at all (the network must
 * route their pod CIDRs, as kube-router leaves them to BGP).</li>
 * </ul>
 * A family the peer cannot be planned for (no address of that family, or this node has none) is a problem
 * and left out; the peer's other family is still planned.
 */
public final class OverlayPlanner {
    private final LocalNode local;
    private final OverlaySettings settings;

    public OverlayPlanner(LocalNode local, OverlaySettings settings) {
        this.local = local;
        this.settings = settings;
    }

    public LocalNode local() {
        return local;
    }

    public NodePlan plan(PeerNode peer) {
        List<NodePlan.Direct> direct = new ArrayList<>();
        List<NodePlan.Tunnel> tunnels = new ArrayList<>();
        List<String> problems = new ArrayList<>(peer.problems());
        if (peer.name().equals(local.name())) {
            return NodePlan.empty(peer.name());
        }
        for (AddressFamily family : settings.families()) {
            List<IpPrefix> cidrs = peer.podCidrs().getOrDefault(family, List.of());
            if (cidrs.isEmpty()) {
                continue; // no pods of this family there (or no CIDR allocated yet)
            }
            InetAddress peerAddress = peer.addresses().get(family);
            InetAddress localAddress = local.addresses().get(family);
            if (peerAddress == null) {
                problems.add("no " + name(family) + " InternalIP or ExternalIP for its pod CIDRs " + cidrs);
                continue;
            }
            if (localAddress == null) {
                problems.add("this node has no " + name(family) + " address to reach " + IpPrefix.format(peerAddress));
                continue;
            }
            if (peerAddress.equals(localAddress)) {
                problems.add("has this node's address " + IpPrefix.format(peerAddress));
                continue;
            }
            boolean shared = local.onSharedSubnet(peerAddress);
            if (settings.enabled() && (settings.full() || !shared)) {
                tunnels.add(new NodePlan.Tunnel(TunnelSpec.of(localAddress, peerAddress, settings.encapsulation()), cidrs));
            } else if (shared) {
                direct.add(new NodePlan.Direct(peerAddress, cidrs));
            } else {
                problems.add("on another subnet (" + IpPrefix.format(peerAddress) + ") and --enable-overlay=false: no route to its pods "
                        + cidrs + "; the network must route them");
            }
        }
        return new NodePlan(peer.name(), direct, tunnels, problems);
    }

    private static String name(AddressFamily f) {
        return f == AddressFamily.INET ? "IPv4" : "IPv6";
    }
}
