package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;
import io.kubedsr.tunnel.Encapsulation;

/**
 * Plans one Service: a pure function of the Service, its EndpointSlices (as the agent keeps them: {@link ServiceView},
 * {@link SliceView}), this node and the configuration.
 * No I/O; problems are collected, never thrown, so one bad Service cannot stop the others.
 */
public final class ServicePlanner {
    /** kube-router's default scheduler. */
    public static final Scheduler DEFAULT_SCHEDULER = Scheduler.RR;
    /** The weight of every endpoint's real server (draining ones: 0). */
    public static final int ENDPOINT_WEIGHT = 1;
    /** Kubernetes' default sessionAffinity ClientIP timeout. */
    static final int DEFAULT_AFFINITY_SECONDS = 10800;
    /** The largest timeout the API server accepts (a day). */
    static final int MAX_AFFINITY_SECONDS = 86400;

    private final AgentConfig config;
    private final NodeInfo node;
    private final Predicate<InetAddress> nodeAddress;

    public ServicePlanner(AgentConfig config, NodeInfo node) {
        this(config, node, a -> false);
    }

    /**
     * {@code nodeAddress} tells whether an address is some node's (then an endpoint with it is a
     * hostNetwork pod, which cannot do DSR); this node's own addresses count without it.
     */
    public ServicePlanner(AgentConfig config, NodeInfo node, Predicate<InetAddress> nodeAddress) {
        this.config = config;
        this.node = node;
        this.nodeAddress = nodeAddress;
    }

    public ServicePlan plan(ServiceView service, List<SliceView> slices) {
        ServiceRef ref = service.ref();
        if (skipped(service)) {
            return ServicePlan.empty(ref);
        }
        List<Problem> problems = new ArrayList<>();
        Map<String, String> annotations = service.annotations();
        SchedulerChoice schedulerChoice = SchedulerChoice.read(ref, annotations, problems);
        Scheduling scheduling = ConsistentHashing.withDrainFallback(schedulerChoice.service(), config.ipvsGracefulTermination());
        int affinity = affinitySeconds(ref, service, problems);
        boolean annotatedLocal = flagAnnotation(ref, annotations, Annotations.LOCAL, problems);
        boolean externalLocal = annotatedLocal || "Local".equals(service.externalTrafficPolicy());
        boolean internalLocal = annotatedLocal || "Local".equals(service.internalTrafficPolicy());

        List<InetAddress> clusterIps = addresses(ref, clusterIpsOf(service), "ClusterIP", problems);
        Set<AddressFamily> families = ServiceFamilies.of(service);
        List<InetAddress> externalIps = ServiceFamilies.externalIps(ref, families, validatedExternal(ref,
                service.externalIps(), config.serviceExternalIpRange(), "externalIP", problems), problems);
        List<InetAddress> lbIps = flagAnnotation(ref, annotations, Annotations.SKIP_LB_IPS, problems) ? List.of()
                : ServiceFamilies.loadBalancerIps(families, validatedExternal(ref, loadBalancerIps(service),
                        config.loadBalancerIpRange(), "LoadBalancer IP", problems));
        LoadBalancerSourceRanges sourceRanges = lbIps.isEmpty() ? null
                : LoadBalancerSourceRanges.parse(ref, service.loadBalancerSourceRanges(), problems);
        boolean nodePorts = "NodePort".equals(service.type()) || "LoadBalancer".equals(service.type());
        List<InetAddress> nodeAddresses = ServiceFamilies.only(families,
                enabled(config.nodePortBindOnAllIp() ? node.allLocalAddresses() : node.addresses()));

        Encapsulation dsr = DsrAnnotations.requested(ref, annotations, config.overlayEncap(), config.overlayEncapPort(), problems);
        Integer healthCheckPort = service.healthCheckNodePort();
        if (externalLocal && healthCheckPort != null && !ServicePorts.valid(healthCheckPort)) {
            problems.add(new Problem(ref, "InvalidHealthCheckNodePort", "healthCheckNodePort " + healthCheckPort
                    + " is outside 1..65535; no health check server is opened for it"));
        }

        Scheduling dsrScheduling = null; // chosen at the first port served with DSR
        List<DesiredVirtualServer> out = new ArrayList<>();
        List<ShortCircuit> shortCircuits = new ArrayList<>();
        for (ServiceView.Port port : service.ports()) {
            Protocol protocol;
            try {
                protocol = Protocol.valueOf(port.protocol() == null ? "TCP" : port.protocol());
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(ref, "UnsupportedProtocol", "port " + port.port() + " uses protocol "
                        + port.protocol() + ", which IPVS cannot balance; that port is not served"));
                continue;
            }
            String name = port.name() == null ? "" : port.name();
            if (!ServicePorts.valid(port.port())) {
                problems.add(new Problem(ref, "InvalidPort", ServicePorts.describe(name, protocol) + " has "
                        + ServicePorts.what(port.port()) + "; that port is not served"));
                continue;
            }
            int number = port.port();
            ServicePortKey key = new ServicePortKey(ref, name, protocol);
            List<EndpointView> endpoints = endpoints(ref, slices, name, protocol, problems);
            List<EndpointView> cluster = UsableEndpoints.cluster(endpoints, node);
            List<EndpointView> local = internalLocal || externalLocal ? UsableEndpoints.local(endpoints, node.name()) : cluster;
            List<EndpointView> internal = internalLocal ? local : cluster;
            List<EndpointView> external = externalLocal ? local : cluster;
            int first = out.size();
            for (InetAddress ip : clusterIps) {
                out.add(virtualServer(key, Role.CLUSTER_IP, ip, protocol, number, scheduling, affinity, internal));
            }
            if (nodePorts && port.nodePort() != null && port.nodePort() != 0) {
                if (!ServicePorts.valid(port.nodePort())) {
                    problems.add(new Problem(ref, "InvalidNodePort", ServicePorts.describe(name, protocol) + " has nodePort "
                            + port.nodePort() + ", outside 1..65535; it is served without a NodePort"));
                } else {
                    for (InetAddress ip : nodeAddresses) {
                        out.add(virtualServer(key, Role.NODE_PORT, ip, protocol, port.nodePort(), scheduling, affinity,
                                external));
                    }
                }
            }
            Encapsulation portDsr = dsr == null ? null : dsrUsable(ref, number, endpoints, external, problems) ? dsr : null;
            if (portDsr != null && dsrScheduling == null && !(externalIps.isEmpty() && lbIps.isEmpty())) {
                dsrScheduling = ConsistentHashing.forDsr(ref, ConsistentHashing.withDrainFallback(schedulerChoice.dsr(config),
                        config.ipvsGracefulTermination()), affinity > 0, externalLocal, problems);
            }
            Scheduling externalScheduling = portDsr == null ? scheduling : dsrScheduling;
            for (InetAddress ip : externalIps) {
                out.add(external(key, Role.EXTERNAL_IP, ip, protocol, number, externalScheduling, affinity, external,
                        portDsr, endpoints));
            }
            for (InetAddress ip : lbIps) {
                DesiredVirtualServer lb = external(key, Role.LOAD_BALANCER, ip, protocol, number, externalScheduling, affinity,
                        external, portDsr, endpoints);
                out.add(sourceRanges == null ? lb : lb.withSourceRanges(sourceRanges.forVip(ref, ip, node.addresses(), problems)));
            }
            if (externalLocal) {
                shortCircuits.addAll(shortCircuits(key, out.subList(first, out.size()), cluster, scheduling, affinity));
            }
        }
        // kube-dummy-if holds every address a non-DSR virtual server uses. A DSR VIP must not be a local address
        // of any node: the node hosting the pod forwards replies sourced from it, and a packet arriving with a
        // local source address is a martian and dropped.
        Set<InetAddress> vips = new LinkedHashSet<>(clusterIps);
        for (DesiredVirtualServer d : out) {
            if (d.dsr() == null && d.role() != Role.NODE_PORT && d.server().key() instanceof VirtualServerKey.ByAddress a) {
                vips.add(a.address());
            }
        }
        if (service.ports().isEmpty()) {
            vips.addAll(externalIps);
            vips.addAll(lbIps);
        }
        boolean hairpin = config.hairpinMode() || annotations.containsKey(Annotations.HAIRPIN);
        Set<VirtualServerKey> keepSource = new LinkedHashSet<>();
        if (externalLocal) {
            for (DesiredVirtualServer d : out) {
                if (d.role() != Role.CLUSTER_IP) {
                    keepSource.add(d.server().key());
                }
            }
        }
        // One problem per Service, however many of its ports found it (each port reads the same slices).
        return new ServicePlan(ref, creationOf(service), out, vips, List.copyOf(new LinkedHashSet<>(problems)), hairpin,
                keepSource, shortCircuits);
    }

    /**
     * One short circuit per family of the port's external virtual servers: in-cluster traffic to them is served by
     * the cluster endpoints, with the port's scheduler and affinity.
     */
    private static List<ShortCircuit> shortCircuits(ServicePortKey key, List<DesiredVirtualServer> port,
            List<EndpointView> cluster, Scheduling scheduling, int affinitySeconds) {
        List<ShortCircuit> out = new ArrayList<>();
        EnumSet<AddressFamily> done = EnumSet.noneOf(AddressFamily.class);
        for (DesiredVirtualServer d : port) {
            AddressFamily family = d.server().key().family();
            if (d.shortCircuitable() && done.add(family)) {
                out.add(new ShortCircuit(key, family, scheduling.scheduler(), scheduling.flags(), affinitySeconds, masqueraded(cluster, family)));
            }
        }
        return out;
    }

    private DesiredVirtualServer external(ServicePortKey key, Role role, InetAddress ip, Protocol protocol, int port,
            Scheduling scheduling, int affinitySeconds, List<EndpointView> usable, Encapsulation dsr, List<EndpointView> all) {
        DesiredVirtualServer masq = virtualServer(key, role, ip, protocol, port, scheduling, affinitySeconds, usable);
        if (dsr == null) {
            return masq;
        }
        Forwarding tunnel = dsr instanceof Encapsulation.Gue g ? Forwarding.gue(g.port()) : Forwarding.ipip();
        Set<RealServer> reals = new LinkedHashSet<>();
        for (RealServer r : masq.realServers()) {
            reals.add(RealServer.of(r.address(), r.port(), tunnel, r.weight()));
        }
        Set<InetAddress> localPods = new LinkedHashSet<>();
        AddressFamily family = AddressFamily.of(ip);
        for (EndpointView e : all) {
            if (node.name().equals(e.nodeName()) && AddressFamily.of(e.address()) == family) {
                localPods.add(e.address());
            }
        }
        VirtualServerKey.ByAddress service = (VirtualServerKey.ByAddress) masq.server().key();
        return new DesiredVirtualServer(key, role, masq.server(), reals, new DsrSpec(service, dsr, localPods));
    }

    /**
     * Whether a DSR Service's port can be served by DSR: IPVS tunnel mode cannot remap ports, and a hostNetwork
     * pod has no namespace of its own to hold the VIP. Otherwise a problem, and the port stays masquerade.
     */
    private boolean dsrUsable(ServiceRef ref, int port, List<EndpointView> endpoints, List<EndpointView> usable,
            List<Problem> problems) {
        for (EndpointView e : endpoints) {
            if (e.port() != port) {
                problems.add(new Problem(ref, "DsrPortRemap", "port " + port + " targets port " + e.port()
                        + "; IPVS tunnel mode cannot remap ports, so this port is served without DSR"));
                return false;
            }
        }
        for (EndpointView e : usable) {
            if (nodeAddress.test(e.address()) || node.addresses().contains(e.address())
                    || node.allLocalAddresses().contains(e.address())) {
                problems.add(new Problem(ref, "DsrHostNetwork", "endpoint " + IpPrefix.format(e.address())
                        + " is a hostNetwork pod, which cannot receive DSR; port " + port + " is served without DSR"));
                return false;
            }
        }
        return true;
    }

    /** metadata.creationTimestamp (RFC 3339), or unknown when it is missing or unreadable. */
    private static Instant creationOf(ServiceView service) {
        String text = service.creationTimestamp();
        if (text == null || text.isEmpty()) {
            return ServicePlan.UNKNOWN_CREATION;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return ServicePlan.UNKNOWN_CREATION;
        }
    }

    /** ExternalName, headless, and Services another proxy owns are not programmed. */
    static boolean skipped(ServiceView service) {
        Map<String, String> labels = service.labels();
        return "ExternalName".equals(service.type()) || "None".equals(service.clusterIp())
                || labels.containsKey(Annotations.LABEL_HEADLESS) || labels.containsKey(Annotations.LABEL_PROXY_NAME);
    }

    private DesiredVirtualServer virtualServer(ServicePortKey key, Role role, InetAddress ip, Protocol protocol, int port,
            Scheduling scheduling, int affinitySeconds, List<EndpointView> endpoints) {
        VirtualServer vs = VirtualServer.of(VirtualServerKey.of(ip, protocol, port), scheduling.scheduler())
                .withFlags(scheduling.flags());
        if (affinitySeconds > 0) {
            vs = vs.withPersistence(affinitySeconds);
        }
        return new DesiredVirtualServer(key, role, vs, masqueraded(endpoints, AddressFamily.of(ip)));
    }

    /** The endpoints of the family as masquerading real servers of weight 1. */
    private static Set<RealServer> masqueraded(List<EndpointView> endpoints, AddressFamily family) {
        Set<RealServer> reals = new LinkedHashSet<>();
        for (EndpointView e : endpoints) {
            if (AddressFamily.of(e.address()) == family) {
                reals.add(RealServer.of(e.address(), e.port(), Forwarding.MASQUERADE, ENDPOINT_WEIGHT));
            }
        }
        return reals;
    }

    private List<EndpointView> endpoints(ServiceRef ref, List<SliceView> slices, String portName, Protocol protocol,
            List<Problem> problems) {
        List<EndpointView> out = new ArrayList<>();
        for (SliceView slice : slices) {
            if (slice.family() == null || !familyEnabled(slice.family())) {
                continue; // FQDN slices are not for proxies
            }
            Integer portNumber = null;
            for (SliceView.Port p : slice.ports()) {
                String n = p.name() == null ? "" : p.name();
                String proto = p.protocol() == null ? "TCP" : p.protocol();
                if (n.equals(portName) && proto.equals(protocol.name()) && p.port() != null) {
                    portNumber = p.port();
                }
            }
            if (portNumber == null) {
                continue;
            }
            String sliceName = slice.name() == null ? "?" : slice.name();
            if (!ServicePorts.valid(portNumber)) {
                problems.add(new Problem(ref, "InvalidEndpointPort", "EndpointSlice " + sliceName + " gives "
                        + ServicePorts.describe(portName, protocol) + " port number " + portNumber
                        + ", outside 1..65535; its endpoints are not used for that port"));
                continue;
            }
            for (SliceView.Endpoint e : slice.endpoints()) {
                for (InetAddress address : e.addresses()) {
                    out.add(new EndpointView(address, portNumber, e.nodeName(), e.ready(), e.serving(), e.terminating(),
                            e.forZones(), e.forNodes()));
                }
                for (String a : e.unusable()) {
                    problems.add(new Problem(ref, "InvalidEndpointAddress", "EndpointSlice " + sliceName + " lists '" + a
                            + "', which is not an " + (slice.family() == AddressFamily.INET ? "IPv4" : "IPv6")
                            + " address; that endpoint is not used"));
                }
            }
        }
        return out;
    }

    /** A true/false annotation: "true" (any case) is true; absent is false; anything else is a problem and false. */
    private static boolean flagAnnotation(ServiceRef ref, Map<String, String> annotations, String key, List<Problem> problems) {
        String value = annotations.get(key);
        if (value == null || "false".equalsIgnoreCase(value.trim())) {
            return false;
        }
        if ("true".equalsIgnoreCase(value.trim())) {
            return true;
        }
        problems.add(new Problem(ref, "InvalidAnnotation", key + ": '" + value + "' is not true or false; taken as false"));
        return false;
    }

    private static int affinitySeconds(ServiceRef ref, ServiceView service, List<Problem> problems) {
        if (!"ClientIP".equals(service.sessionAffinity())) {
            return 0;
        }
        if (service.affinityTimeoutSeconds() != null) {
            int seconds = service.affinityTimeoutSeconds();
            // Kubernetes allows 1..86400; IPVS would take more, but never a negative timeout.
            if (seconds < 1 || seconds > MAX_AFFINITY_SECONDS) {
                problems.add(new Problem(ref, "InvalidSessionAffinity", "sessionAffinityConfig.clientIP.timeoutSeconds "
                        + seconds + " is outside 1.." + MAX_AFFINITY_SECONDS + "; using " + DEFAULT_AFFINITY_SECONDS));
                return DEFAULT_AFFINITY_SECONDS;
            }
            return seconds;
        }
        return DEFAULT_AFFINITY_SECONDS;
    }

    private static List<String> clusterIpsOf(ServiceView service) {
        if (!service.clusterIps().isEmpty()) {
            return service.clusterIps();
        }
        return service.clusterIp() == null || service.clusterIp().isEmpty() ? List.of() : List.of(service.clusterIp());
    }

    private static List<String> loadBalancerIps(ServiceView service) {
        List<String> out = new ArrayList<>();
        for (ServiceView.Ingress ing : service.loadBalancerIngress()) {
            // ipMode Proxy: the load balancer proxies, traffic never arrives addressed to this IP.
            if (!"Proxy".equals(ing.ipMode())) {
                out.add(ing.ip());
            }
        }
        return out;
    }

    private List<InetAddress> addresses(ServiceRef ref, List<String> texts, String what, List<Problem> problems) {
        List<InetAddress> out = new ArrayList<>();
        for (String t : texts) {
            try {
                InetAddress a = IpPrefix.parseAddress(t);
                if (familyEnabled(AddressFamily.of(a))) {
                    out.add(a);
                }
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(ref, "InvalidAddress", what + " '" + t + "' is not an IP address"));
            }
        }
        return out;
    }

    /**
     * External and LoadBalancer IPs: never inside the cluster's service range, and with strict validation
     * (the default) only inside the allowed ranges. Refused addresses are problems (Events), not served.
     */
    private List<InetAddress> validatedExternal(ServiceRef ref, List<String> texts, List<IpPrefix> allowed, String what,
            List<Problem> problems) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : addresses(ref, texts, what, problems)) {
            if (config.serviceClusterIpRange().stream().anyMatch(p -> p.contains(a))) {
                problems.add(new Problem(ref, "ExternalIPRefused", what + " " + IpPrefix.format(a)
                        + " lies inside the service cluster IP range; not served"));
            } else if (config.strictExternalIpValidation() && allowed.stream().noneMatch(p -> p.contains(a))) {
                problems.add(new Problem(ref, "ExternalIPRefused", what + " " + IpPrefix.format(a) + " is outside "
                        + (what.startsWith("Load") ? "--loadbalancer-ip-range" : "--service-external-ip-range")
                        + " (strict validation); not served"));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    private boolean familyEnabled(AddressFamily f) {
        return f == AddressFamily.INET ? config.enableIpv4() : config.enableIpv6();
    }

    private List<InetAddress> enabled(List<InetAddress> in) {
        return in.stream().filter(a -> familyEnabled(AddressFamily.of(a))).toList();
    }
}
