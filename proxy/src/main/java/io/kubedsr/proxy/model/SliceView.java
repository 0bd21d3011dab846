package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.ForNode;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * What kube-dsr reads of an EndpointSlice, kept in place of the API object (see {@link ServiceView}): its name,
 * address family ({@code null} for FQDN slices, which are not for proxies), ports, and per endpoint the parsed
 * addresses of the slice's family, the node and the conditions with the API's defaults applied (an unset
 * {@code ready} means ready; an unset {@code serving} means what {@code ready} says), and the names its topology hints give
 * ({@code hints.forZones}, {@code hints.forNodes}; a hint without a name is none). Address texts that are not IP
 * literals of the slice's family are kept apart, as they were, for the planner to report. Node and zone names are
 * interned: 100,000 endpoints name a handful of nodes and zones. A slice that could not be read says why ({@code unreadable}, as
 * {@link ServiceView}). Immutable.
 */
public record SliceView(String name, AddressFamily family, List<Port> ports, List<Endpoint> endpoints, String unreadable) {

    /** One {@code ports} entry. */
    public record Port(String name, String protocol, Integer port) {
    }

    /**
     * One endpoint: its usable addresses, and the texts that are no address of the slice's family (usually none);
     * {@code forZones}, {@code forNodes}: the names its topology hints give (empty without hints).
     */
    public record Endpoint(List<InetAddress> addresses, List<String> unusable, String nodeName, boolean ready, boolean serving,
            boolean terminating, List<String> forZones, List<String> forNodes) {
        public Endpoint {
            addresses = List.copyOf(addresses);
            unusable = List.copyOf(unusable);
            forZones = List.copyOf(forZones);
            forNodes = List.copyOf(forNodes);
        }
    }

    public SliceView {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    public static SliceView of(EndpointSlice slice) {
        String name = slice.getMetadata() == null ? null : slice.getMetadata().getName();
        try {
            return read(name, slice);
        } catch (RuntimeException e) {
            return new SliceView(name, null, List.of(), List.of(), "EndpointSlice " + name + " could not be read: " + e);
        }
    }

    private static SliceView read(String name, EndpointSlice slice) {
        AddressFamily family = switch (Objects.toString(slice.getAddressType(), "")) {
            case "IPv4" -> AddressFamily.INET;
            case "IPv6" -> AddressFamily.INET6;
            default -> null;
        };
        List<Port> ports = new ArrayList<>();
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                if (p != null) {
                    ports.add(new Port(p.getName(), p.getProtocol(), p.getPort()));
                }
            }
        }
        List<Endpoint> endpoints = new ArrayList<>();
        if (family != null && slice.getEndpoints() != null) {
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : slice.getEndpoints()) {
                if (e == null) {
                    continue;
                }
                List<InetAddress> addresses = new ArrayList<>(1);
                List<String> unusable = new ArrayList<>(0);
                for (String a : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                    InetAddress address = null;
                    try {
                        address = IpPrefix.parseAddress(a == null ? "" : a);
                    } catch (IllegalArgumentException notAnIp) {
                        // kept as text below
                    }
                    if (address != null && AddressFamily.of(address) == family) {
                        addresses.add(address);
                    } else {
                        unusable.add(String.valueOf(a));
                    }
                }
                EndpointConditions c = e.getConditions();
                boolean ready = c == null || c.getReady() == null || c.getReady();
                boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
                boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                String node = e.getNodeName() == null ? null : e.getNodeName().intern();
                List<String> forZones = List.of();
                List<String> forNodes = List.of();
                if (e.getHints() != null) {
                    forZones = hintNames(e.getHints().getForZones(), ForZone::getName);
                    forNodes = hintNames(e.getHints().getForNodes(), ForNode::getName);
                }
                endpoints.add(new Endpoint(addresses, unusable, node, ready, serving, terminating, forZones, forNodes));
            }
        }
        return new SliceView(name, family, ports, endpoints, null);
    }

    /** The interned names of an endpoint's zone or node hints (hints without a name are none). */
    private static <T> List<String> hintNames(List<T> hints, Function<T, String> name) {
        if (hints == null || hints.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>(hints.size());
        for (T h : hints) {
            String n = h == null ? null : name.apply(h);
            if (n != null && !n.isEmpty()) {
                out.add(n.intern());
            }
        }
        return out;
    }
}
