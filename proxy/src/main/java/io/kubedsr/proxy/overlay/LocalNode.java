package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * This node for the overlay: its name, its address per family (from its Node object, the tunnels' local end
 * and routes' source), and the subnets of its own interfaces as the kernel reports them (the prefixes of its
 * addresses), which decide whether a peer is reachable directly.
 */
public record LocalNode(String name, Map<AddressFamily, InetAddress> addresses, List<IpPrefix> subnets) {
    public LocalNode {
        addresses = Map.copyOf(addresses);
        subnets = List.copyOf(subnets);
    }

    public boolean onSharedSubnet(InetAddress peer) {
        for (IpPrefix s : subnets) {
            if (s.contains(peer)) {
                return true;
            }
        }
        return false;
    }
}
