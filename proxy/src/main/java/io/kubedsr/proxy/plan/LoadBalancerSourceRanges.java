package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * A Service's {@code spec.loadBalancerSourceRanges}, read as kube-proxy reads it: entries trimmed of white space, each
 * range applying to the LoadBalancer IPs of its own family, the LoadBalancer IP itself allowed as a source when this
 * node's address (of that family) is in the ranges (the node reaching its own captured LoadBalancer IP may send from
 * it). Unlike kube-proxy, which leaves a family with no range in the list unrestricted, a family without ranges is
 * closed: the user asked for a restriction, and an IPv6 LoadBalancer IP open to the world because only IPv4 ranges
 * were written is the silent hole this field exists to close. An entry that is no CIDR is a problem and is left out;
 * the others still apply (a list of only bad entries closes the LoadBalancer IPs). NodePorts and external IPs are not
 * restricted, as in kube-proxy.
 */
final class LoadBalancerSourceRanges {
    private final List<IpPrefix> ranges;
    private final Set<AddressFamily> reportedClosed = EnumSet.noneOf(AddressFamily.class);

    private LoadBalancerSourceRanges(List<IpPrefix> ranges) {
        this.ranges = ranges;
    }

    /** The ranges of the field, or null when it is empty (every client may connect). */
    static LoadBalancerSourceRanges parse(ServiceRef ref, List<String> field, List<Problem> problems) {
        if (field == null || field.isEmpty()) {
            return null;
        }
        List<IpPrefix> out = new ArrayList<>();
        for (String entry : field) {
            String text = entry == null ? "" : entry.trim();
            try {
                if (!text.contains("/")) {
                    throw new IllegalArgumentException("no prefix length");
                }
                IpPrefix p = IpPrefix.parse(text);
                IpPrefix network = new IpPrefix(p.network(), p.length());
                if (!out.contains(network)) {
                    out.add(network);
                }
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(ref, "InvalidSourceRange", "loadBalancerSourceRanges entry '" + entry
                        + "' is not a CIDR (" + e.getMessage() + "); left out, the other ranges still apply"));
            }
        }
        return new LoadBalancerSourceRanges(List.copyOf(out));
    }

    /**
     * The clients the LoadBalancer IP {@code vip} accepts, given this node's addresses; a family without ranges is
     * reported once (a problem) and accepts none.
     */
    SourceRanges forVip(ServiceRef ref, InetAddress vip, List<InetAddress> nodeAddresses, List<Problem> problems) {
        AddressFamily family = AddressFamily.of(vip);
        List<IpPrefix> allowed = new ArrayList<>();
        for (IpPrefix p : ranges) {
            if (p.family() == family) {
                allowed.add(p);
            }
        }
        if (allowed.isEmpty()) {
            if (reportedClosed.add(family)) {
                problems.add(new Problem(ref, "SourceRangesClosed", "loadBalancerSourceRanges has no valid "
                        + (family == AddressFamily.INET ? "IPv4" : "IPv6") + " range: the Service's "
                        + (family == AddressFamily.INET ? "IPv4" : "IPv6") + " LoadBalancer IPs accept no client"));
            }
            return new SourceRanges(List.of());
        }
        for (InetAddress node : nodeAddresses) {
            if (AddressFamily.of(node) == family && allowed.stream().anyMatch(p -> p.contains(node))) {
                allowed.add(IpPrefix.host(vip));
                break;
            }
        }
        return new SourceRanges(allowed);
    }
}
