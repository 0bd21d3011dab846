package io.kubedsr.proxy.plan;

import java.util.List;
import java.util.stream.Collectors;

import io.kubedsr.netlink.IpPrefix;

/**
 * The clients a LoadBalancer IP accepts ({@code spec.loadBalancerSourceRanges} of its family, and the IP itself
 * when this node's address is in them); every other client's packets to it are dropped. Empty: none is accepted.
 */
public record SourceRanges(List<IpPrefix> allowed) {
    public SourceRanges {
        allowed = List.copyOf(allowed);
    }

    @Override
    public String toString() {
        return allowed.isEmpty() ? "none" : allowed.stream().map(IpPrefix::toString).collect(Collectors.joining(","));
    }
}
