package io.kubedsr.proxy.status;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code kube-dsr status} read from one node's kernel: a plain tree of values, built by
 * {@link StatusCollector}, printed by {@link TableRenderer} and {@link JsonRenderer}. The record component names
 * are the JSON field names (documented in docs/troubleshooting.md); addresses are text (IPv6 in RFC 5952 short
 * form), families {@code ipv4}/{@code ipv6}, protocols lower case, absent values null.
 *
 * @param namespace the network namespace read: a path, or {@code "host"} for the caller's own
 * @param virtualServers kube-dsr's IPVS virtual servers, sorted (address services first, then fwmark services)
 * @param otherVirtualServers how many IPVS virtual servers belong to someone else (not shown)
 * @param shortCircuits the addresses whose in-cluster traffic goes to a short-circuit fwmark service
 *        (externalTrafficPolicy Local), from the {@code short4}/{@code short6} maps
 * @param tunnels node-to-node tunnel links ({@code tun-*})
 * @param fouPorts the node's GUE receive ports
 * @param receivers DSR receivers found in other network namespaces (pods)
 * @param notes what could not be read and why (the API server, the nftables table), one line each
 */
public record NodeStatus(String namespace, List<VirtualServer> virtualServers, int otherVirtualServers, Dsr dsr,
        List<ShortCircuit> shortCircuits, List<Tunnel> tunnels, List<FouPort> fouPorts, List<Receiver> receivers,
        List<String> notes) {

    public NodeStatus {
        virtualServers = List.copyOf(virtualServers);
        shortCircuits = List.copyOf(shortCircuits);
        tunnels = List.copyOf(tunnels);
        fouPorts = List.copyOf(fouPorts);
        receivers = List.copyOf(receivers);
        notes = List.copyOf(notes);
    }

    /** The same status with more notes. */
    public NodeStatus withNotes(List<String> more) {
        List<String> all = new ArrayList<>(notes);
        all.addAll(more);
        return new NodeStatus(namespace, virtualServers, otherVirtualServers, dsr, shortCircuits, tunnels, fouPorts, receivers,
                all);
    }

    /**
     * An IPVS virtual server: by address ({@code address}, {@code protocol}, {@code port}; {@code fwmark} null)
     * or by firewall mark ({@code fwmark}; the others null). {@code services} names the Kubernetes Services it
     * serves as {@code namespace/name:port} (empty when the API server was not read or nothing matched).
     * {@code persistenceSeconds} 0: no session affinity.
     */
    public record VirtualServer(String family, String address, String protocol, Integer port, Long fwmark,
            String scheduler, int persistenceSeconds, List<String> services, List<RealServer> realServers) {
        public VirtualServer {
            services = List.copyOf(services);
            realServers = List.copyOf(realServers);
        }
    }

    /**
     * A real server: {@code forwarding} is {@code masq}, {@code tunnel}, {@code route}, {@code local} or
     * {@code bypass}; for {@code tunnel} the {@code tunnelType} ({@code ipip}, {@code gue}, {@code gre}) and,
     * for GUE, the {@code tunnelPort}; otherwise both null.
     */
    public record RealServer(String address, int port, String forwarding, String tunnelType, Integer tunnelPort,
            int weight, int activeConnections, int inactiveConnections) {
    }

    /**
     * The DSR director side. {@code markMap} says whether the {@code dsr4}/{@code dsr6} maps of the nftables
     * table {@code inet kube-dsr} were found; {@code rules} are the policy rules at priority 32764 or looking
     * up table 78; {@code routes} are table 78's routes.
     */
    public record Dsr(boolean markMap, List<DsrMark> marks, List<DsrRule> rules, List<DsrRoute> routes) {
        public Dsr {
            marks = List.copyOf(marks);
            rules = List.copyOf(rules);
            routes = List.copyOf(routes);
        }
    }

    /**
     * One element of a DSR mark map: packets to {@code address:port/protocol} get {@code mark}. {@code rule}:
     * a {@code fwmark mark lookup 78} rule of the family exists; {@code virtualServer}: an IPVS fwmark service
     * for the mark exists. Both must be true for DSR to work.
     */
    public record DsrMark(long mark, String family, String address, String protocol, int port, boolean rule,
            boolean virtualServer, List<String> services) {
        public DsrMark {
            services = List.copyOf(services);
        }
    }

    /**
     * One element of a short-circuit map: in-cluster packets (from this node or a pod) to
     * {@code address:port/protocol} get {@code mark}, the fwmark service with every cluster endpoint of an
     * externalTrafficPolicy Local Service port.
     */
    public record ShortCircuit(long mark, String family, String address, String protocol, int port, List<String> services) {
        public ShortCircuit {
            services = List.copyOf(services);
        }
    }

    /** A policy routing rule: {@code priority: fwmark fwmark/fwmask lookup table}. */
    public record DsrRule(String family, int priority, long fwmark, long fwmask, int table) {
    }

    /** A route of table 78: {@code type destination dev device} (type {@code local}, {@code unicast}, ...). */
    public record DsrRoute(String family, String type, String destination, String device) {
    }

    /**
     * A node-to-node tunnel link. {@code kind} {@code ipip} or {@code ip6tnl}; {@code encapsulation} what it
     * sends, {@code none}, {@code gue} or {@code fou} with its destination {@code encapsulationPort} (null for
     * none); {@code routes} the main-table destinations routed through it; {@code accepts} what this node takes
     * from the peer, whatever the link sends: {@code ipip} always, and {@code gue:PORT} for each GUE receive port
     * of the link's family (both: the peer may switch either way without a loss).
     */
    public record Tunnel(String name, String kind, boolean up, String local, String remote, String encapsulation,
            Integer encapsulationPort, int mtu, List<String> routes, List<String> accepts) {
        public Tunnel {
            routes = List.copyOf(routes);
            accepts = List.copyOf(accepts);
        }
    }

    /** A GUE receive port (`ip fou add port P gue`) of one family. */
    public record FouPort(String family, int port) {
    }

    /**
     * A DSR receiver inside a pod's network namespace: the {@code link} ({@code kube-tunnel-if} or
     * {@code kube-tunnel-v6}), its local address (the pod IP), the VIPs it holds, the namespace's GUE ports, and
     * what it takes ({@code accepts}: {@code ipip} always, {@code gue:PORT} per GUE port of its family).
     */
    public record Receiver(String namespace, String link, boolean up, String podIp, List<String> vips,
            List<FouPort> fouPorts, List<String> accepts) {
        public Receiver {
            vips = List.copyOf(vips);
            fouPorts = List.copyOf(fouPorts);
            accepts = List.copyOf(accepts);
        }
    }
}
