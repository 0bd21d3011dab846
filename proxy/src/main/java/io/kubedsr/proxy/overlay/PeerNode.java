package io.kubedsr.proxy.overlay;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * What the overlay reads from a Node object: per address family its address (the first InternalIP, else the
 * first ExternalIP) and its pod CIDRs ({@code spec.podCIDRs}, else {@code spec.podCIDR}), plus the problems
 * found reading them (a malformed CIDR). Pure.
 */
public record PeerNode(String name, Map<AddressFamily, InetAddress> addresses, Map<AddressFamily, List<IpPrefix>> podCidrs,
        List<String> problems) {
    public PeerNode {
        addresses = Map.copyOf(addresses);
        podCidrs = Map.copyOf(podCidrs);
        problems = List.copyOf(problems);
    }

    public static PeerNode of(Node node) {
        String name = node.getMetadata().getName();
        Map<AddressFamily, InetAddress> addresses = new EnumMap<>(AddressFamily.class);
        for (String type : List.of("InternalIP", "ExternalIP")) {
            for (NodeAddress a : node.getStatus() == null || node.getStatus().getAddresses() == null ? List.<NodeAddress>of()
                    : node.getStatus().getAddresses()) {
                if (type.equals(a.getType()) && a.getAddress() != null) {
                    try {
                        InetAddress ip = IpPrefix.parseAddress(a.getAddress());
                        addresses.putIfAbsent(AddressFamily.of(ip), ip);
                    } catch (IllegalArgumentException ignored) {
                        // a host name where an address belongs: not usable as a tunnel or route endpoint
                    }
                }
            }
        }
        Set<String> cidrTexts = new LinkedHashSet<>();
        if (node.getSpec() != null && node.getSpec().getPodCIDRs() != null) {
            cidrTexts.addAll(node.getSpec().getPodCIDRs());
        }
        if (cidrTexts.isEmpty() && node.getSpec() != null && node.getSpec().getPodCIDR() != null) {
            cidrTexts.add(node.getSpec().getPodCIDR());
        }
        Map<AddressFamily, List<IpPrefix>> cidrs = new EnumMap<>(AddressFamily.class);
        List<String> problems = new ArrayList<>();
        for (String text : cidrTexts) {
            try {
                if (text == null || !text.contains("/")) {
                    throw new IllegalArgumentException("no prefix length");
                }
                IpPrefix p = IpPrefix.parse(text);
                cidrs.computeIfAbsent(p.family(), f -> new ArrayList<>()).add(new IpPrefix(p.network(), p.length()));
            } catch (IllegalArgumentException e) {
                problems.add("malformed pod CIDR '" + text + "' (" + e.getMessage() + ")");
            }
        }
        return new PeerNode(name, addresses, cidrs, problems);
    }
}
