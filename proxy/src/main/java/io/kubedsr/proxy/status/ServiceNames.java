package io.kubedsr.proxy.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.kernel.Ownership;

/**
 * Names virtual servers after the Services they serve ({@code namespace/name:port}, port the Service port):
 * by clusterIPs, externalIPs and load-balancer ingress IPs with port and protocol, and NodePorts by port and
 * protocol alone (they are served on every node address). Pure.
 */
public final class ServiceNames {
    private record Key(String address, String protocol, int port) {
    }

    private final Map<Key, TreeSet<String>> byAddress = new HashMap<>();
    private final Map<Key, TreeSet<String>> byNodePort = new HashMap<>();

    public ServiceNames(Collection<Service> services) {
        for (Service svc : services) {
            if (svc.getSpec() == null || svc.getSpec().getPorts() == null) {
                continue;
            }
            List<String> addresses = new ArrayList<>();
            if (svc.getSpec().getClusterIPs() != null && !svc.getSpec().getClusterIPs().isEmpty()) {
                addresses.addAll(svc.getSpec().getClusterIPs());
            } else if (svc.getSpec().getClusterIP() != null) {
                addresses.add(svc.getSpec().getClusterIP());
            }
            if (svc.getSpec().getExternalIPs() != null) {
                addresses.addAll(svc.getSpec().getExternalIPs());
            }
            if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null
                    && svc.getStatus().getLoadBalancer().getIngress() != null) {
                for (LoadBalancerIngress in : svc.getStatus().getLoadBalancer().getIngress()) {
                    if (in.getIp() != null) {
                        addresses.add(in.getIp());
                    }
                }
            }
            for (ServicePort p : svc.getSpec().getPorts()) {
                if (p.getPort() == null) {
                    continue;
                }
                String protocol = p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT);
                String name = svc.getMetadata().getNamespace() + "/" + svc.getMetadata().getName() + ":" + p.getPort();
                for (String a : addresses) {
                    String normal = normalize(a);
                    if (normal != null) {
                        byAddress.computeIfAbsent(new Key(normal, protocol, p.getPort()), k -> new TreeSet<>()).add(name);
                    }
                }
                if (p.getNodePort() != null && p.getNodePort() > 0) {
                    byNodePort.computeIfAbsent(new Key("", protocol, p.getNodePort()), k -> new TreeSet<>()).add(name);
                }
            }
        }
    }

    /** The Services reached at address:port/protocol (address in any textual form); empty when none. */
    public List<String> at(String address, String protocol, int port) {
        String normal = normalize(address);
        TreeSet<String> names = normal == null ? null : byAddress.get(new Key(normal, protocol, port));
        return names == null ? List.of() : List.copyOf(names);
    }

    /** The Services with this NodePort. */
    public List<String> atNodePort(String protocol, int port) {
        TreeSet<String> names = byNodePort.get(new Key("", protocol, port));
        return names == null ? List.of() : List.copyOf(names);
    }

    /**
     * The status with every virtual server and DSR mark named: address virtual servers by address, port and
     * protocol, else (a port in the NodePort range) by NodePort; fwmark virtual servers through the DSR marks
     * and short circuits that carry their mark.
     */
    public NodeStatus name(NodeStatus status) {
        List<NodeStatus.DsrMark> marks = new ArrayList<>();
        for (NodeStatus.DsrMark m : status.dsr().marks()) {
            marks.add(new NodeStatus.DsrMark(m.mark(), m.family(), m.address(), m.protocol(), m.port(), m.rule(),
                    m.virtualServer(), at(m.address(), m.protocol(), m.port())));
        }
        List<NodeStatus.ShortCircuit> circuits = new ArrayList<>();
        for (NodeStatus.ShortCircuit c : status.shortCircuits()) {
            List<String> names = at(c.address(), c.protocol(), c.port());
            if (names.isEmpty() && c.port() >= Ownership.NODE_PORT_MIN && c.port() <= Ownership.NODE_PORT_MAX) {
                names = atNodePort(c.protocol(), c.port());
            }
            circuits.add(new NodeStatus.ShortCircuit(c.mark(), c.family(), c.address(), c.protocol(), c.port(), names));
        }
        List<NodeStatus.VirtualServer> servers = new ArrayList<>();
        for (NodeStatus.VirtualServer vs : status.virtualServers()) {
            TreeSet<String> found = new TreeSet<>();
            if (vs.fwmark() == null) {
                found.addAll(at(vs.address(), vs.protocol(), vs.port()));
                if (found.isEmpty() && vs.port() >= Ownership.NODE_PORT_MIN && vs.port() <= Ownership.NODE_PORT_MAX) {
                    found.addAll(atNodePort(vs.protocol(), vs.port()));
                }
            } else {
                for (NodeStatus.DsrMark m : marks) {
                    if (m.mark() == vs.fwmark() && m.family().equals(vs.family())) {
                        found.addAll(m.services());
                    }
                }
                for (NodeStatus.ShortCircuit c : circuits) {
                    if (c.mark() == vs.fwmark() && c.family().equals(vs.family())) {
                        found.addAll(c.services());
                    }
                }
            }
            servers.add(new NodeStatus.VirtualServer(vs.family(), vs.address(), vs.protocol(), vs.port(), vs.fwmark(),
                    vs.scheduler(), vs.persistenceSeconds(), List.copyOf(found), vs.realServers()));
        }
        NodeStatus.Dsr d = status.dsr();
        return new NodeStatus(status.namespace(), servers, status.otherVirtualServers(),
                new NodeStatus.Dsr(d.markMap(), marks, d.rules(), d.routes()), circuits, status.tunnels(), status.fouPorts(),
                status.receivers(), status.notes());
    }

    private static String normalize(String address) {
        try {
            return IpPrefix.format(IpPrefix.parseAddress(address));
        } catch (IllegalArgumentException e) {
            return null; // "None" (headless) or garbage: names nothing
        }
    }
}
