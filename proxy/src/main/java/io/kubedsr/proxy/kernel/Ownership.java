package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.List;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;

/**
 * Which IPVS virtual servers are kube-dsr's, decided from kernel state alone so a restarted agent finds the
 * same answer: an address held on kube-dummy-if, or a NodePort (a port in the node-port range on one of this
 * node's NodePort addresses). Never anything inside {@code --excluded-cidrs}. Everything else (keepalived,
 * another proxy) is left alone by every sync.
 */
public final class Ownership {
    public static final int NODE_PORT_MIN = 30000;
    public static final int NODE_PORT_MAX = 32767;

    private final List<IpPrefix> excluded;
    private final Set<InetAddress> nodePortAddresses;

    public Ownership(List<IpPrefix> excluded, Set<InetAddress> nodePortAddresses) {
        this.excluded = List.copyOf(excluded);
        this.nodePortAddresses = Set.copyOf(nodePortAddresses);
    }

    public boolean owns(VirtualServerKey key, Set<InetAddress> dummyVips) {
        if (!(key instanceof VirtualServerKey.ByAddress a)) {
            return false; // fwmark services arrive with DSR and their own mark range
        }
        if (excluded(a.address())) {
            return false;
        }
        return dummyVips.contains(a.address())
                || nodePortAddresses.contains(a.address()) && a.port() >= NODE_PORT_MIN && a.port() <= NODE_PORT_MAX;
    }

    public boolean excluded(InetAddress address) {
        return excluded.stream().anyMatch(p -> p.contains(address));
    }
}
