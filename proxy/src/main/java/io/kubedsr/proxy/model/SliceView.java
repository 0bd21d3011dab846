package io.kubedsr.proxy.model;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * What kube-dsr reads of an EndpointSlice, kept in place of the API object (see {@link ServiceView}): its name,
 * address family ({@code null} for FQDN slices, which are not for proxies), ports, and per endpoint the parsed
 * addresses of the slice's family, the node and the conditions with the API's defaults applied (an unset
 * {@code ready} means ready; an unset {@code serving} means what {@code ready} says). Addresses that are not IP
 * literals of the slice's family are left out (the API server validates them; this is belt and braces). Node
 * names are interned: 100,000 endpoints name a handful of nodes. Immutable.
 */
public record SliceView(String name, AddressFamily family, List<Port> ports, List<Endpoint> endpoints) {

    /** One {@code ports} entry. */
    public record Port(String name, String protocol, Integer port) {
    }

    /** One endpoint. */
    public record Endpoint(List<InetAddress> addresses, String nodeName, boolean ready, boolean serving, boolean terminating) {
        public Endpoint {
            addresses = List.copyOf(addresses);
        }
    }

    public SliceView {
        ports = List.copyOf(ports);
        endpoints = List.copyOf(endpoints);
    }

    public static SliceView of(EndpointSlice slice) {
        AddressFamily family = switch (Objects.toString(slice.getAddressType(), "")) {
            case "IPv4" -> AddressFamily.INET;
            case "IPv6" -> AddressFamily.INET6;
            default -> null;
        };
        List<Port> ports = new ArrayList<>();
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                ports.add(new Port(p.getName(), p.getProtocol(), p.getPort()));
            }
        }
        List<Endpoint> endpoints = new ArrayList<>();
        if (family != null && slice.getEndpoints() != null) {
            for (io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e : slice.getEndpoints()) {
                List<InetAddress> addresses = new ArrayList<>(1);
                for (String a : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                    try {
                        InetAddress address = IpPrefix.parseAddress(a);
                        if (AddressFamily.of(address) == family) {
                            addresses.add(address);
                        }
                    } catch (IllegalArgumentException ignored) {
                        // not an IP literal: left out
                    }
                }
                EndpointConditions c = e.getConditions();
                boolean ready = c == null || c.getReady() == null || c.getReady();
                boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
                boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                String node = e.getNodeName() == null ? null : e.getNodeName().intern();
                endpoints.add(new Endpoint(addresses, node, ready, serving, terminating));
            }
        }
        return new SliceView(slice.getMetadata().getName(), family, ports, endpoints);
    }
}
