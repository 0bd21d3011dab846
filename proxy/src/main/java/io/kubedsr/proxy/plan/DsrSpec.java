package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.tunnel.Encapsulation;

/**
 * The DSR side of a virtual server: the address, protocol and port clients use ({@code service}; the kernel
 * serves it as a fwmark service), the encapsulation to the pods, and the endpoint pods on this node, which
 * need a DSR receiver (every local endpoint, ready or not, so the receiver is in place before the pod is
 * ready and gets traffic).
 */
public record DsrSpec(VirtualServerKey.ByAddress service, Encapsulation encapsulation, Set<InetAddress> localPods) {
    public DsrSpec {
        localPods = Set.copyOf(localPods);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("dsr ").append(encapsulation);
        localPods.stream().map(IpPrefix::format).sorted().forEach(p -> sb.append(" pod ").append(p));
        return sb.toString();
    }
}
