package io.kubedsr.proxy.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;

/**
 * What kube-dsr reads of a Service, kept in place of the API object: the planner's and the health checks'
 * inputs, as the API has them (validation and defaults stay the planner's). An API object holds much more
 * (managed fields, the last-applied annotation, status conditions), and every fabric8 object and sub-object
 * carries its own maps and lists: 10,000 Services and their slices took ~58 MB as fabric8 objects
 * (docs/performance.md). Only kube-router's and kube-dsr's annotations and the two labels that exclude a
 * Service are kept; the usual {@code spec.ipFamilies} lists are shared constants. An object that could not be read (a bug here, never an API server's object) becomes a view that
 * says why ({@code unreadable}): planning it fails as planning with a bug would, so the Service keeps what it had and
 * gets an Event instead of the informer's handler throwing. Immutable.
 */
public record ServiceView(ServiceRef ref, String creationTimestamp, Map<String, String> annotations, Map<String, String> labels,
        String type, String clusterIp, List<String> clusterIps, List<String> ipFamilies, List<String> externalIps, List<Port> ports,
        String externalTrafficPolicy, String internalTrafficPolicy, String sessionAffinity, Integer affinityTimeoutSeconds,
        List<Ingress> loadBalancerIngress, List<String> loadBalancerSourceRanges, Integer healthCheckNodePort, String unreadable) {

    /** One {@code spec.ports} entry. */
    public record Port(String name, String protocol, Integer port, Integer nodePort) {
    }

    /** One {@code status.loadBalancer.ingress} entry with an IP. */
    public record Ingress(String ip, String ipMode) {
    }

    public ServiceView {
        annotations = Map.copyOf(annotations);
        labels = Map.copyOf(labels);
        // As the API object has them, a null entry too: the planner reports it (InvalidAddress).
        clusterIps = asGiven(clusterIps);
        ipFamilies = FAMILY_LISTS.getOrDefault(ipFamilies, asGiven(ipFamilies));
        externalIps = asGiven(externalIps);
        ports = List.copyOf(ports);
        loadBalancerIngress = List.copyOf(loadBalancerIngress);
        loadBalancerSourceRanges = asGiven(loadBalancerSourceRanges);
    }

    /** The {@code spec.ipFamilies} lists nearly every Service has, one shared copy each. */
    private static final Map<List<String>, List<String>> FAMILY_LISTS = Map.of(List.of("IPv4"), List.of("IPv4"),
            List.of("IPv6"), List.of("IPv6"), List.of("IPv4", "IPv6"), List.of("IPv4", "IPv6"), List.of("IPv6", "IPv4"),
            List.of("IPv6", "IPv4"));

    /** An unmodifiable copy that keeps null entries (the planner reports them); the shared empty list for none. */
    private static List<String> asGiven(List<String> list) {
        return list.isEmpty() ? List.of() : Collections.unmodifiableList(new ArrayList<>(list));
    }

    /** The prefixes of the annotations the agent reads (Annotations). */
    private static final List<String> ANNOTATION_PREFIXES = List.of("kube-router.io/", "kube-dsr.io/");
    /** The labels the agent reads on a Service. */
    private static final List<String> LABELS = List.of(Annotations.LABEL_HEADLESS, Annotations.LABEL_PROXY_NAME);

    /** The view of a Service (its metadata names it: informers deliver no object without). */
    public static ServiceView of(Service s) {
        ObjectMeta meta = s.getMetadata();
        ServiceRef ref = new ServiceRef(meta.getNamespace(), meta.getName());
        try {
            return read(ref, s);
        } catch (RuntimeException e) {
            return new ServiceView(ref, null, Map.of(), Map.of(), null, null, List.of(), List.of(), List.of(), List.of(), null, null,
                    null, null, List.of(), List.of(), null, "the Service could not be read: " + e);
        }
    }

    private static ServiceView read(ServiceRef ref, Service s) {
        ObjectMeta meta = s.getMetadata();
        Map<String, String> annotations = new HashMap<>();
        if (meta.getAnnotations() != null) {
            meta.getAnnotations().forEach((k, v) -> {
                if (k != null && v != null && ANNOTATION_PREFIXES.stream().anyMatch(k::startsWith)) {
                    annotations.put(k, v);
                }
            });
        }
        Map<String, String> labels = new HashMap<>();
        if (meta.getLabels() != null) {
            for (String l : LABELS) {
                String v = meta.getLabels().get(l);
                if (v != null) {
                    labels.put(l, v);
                }
            }
        }
        ServiceSpec spec = s.getSpec() == null ? new ServiceSpec() : s.getSpec();
        List<Port> ports = new ArrayList<>();
        for (ServicePort p : orEmpty(spec.getPorts())) {
            if (p != null) {
                ports.add(new Port(p.getName(), p.getProtocol(), p.getPort(), p.getNodePort()));
            }
        }
        Integer timeout = spec.getSessionAffinityConfig() == null || spec.getSessionAffinityConfig().getClientIP() == null ? null
                : spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
        List<Ingress> ingress = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null) {
            for (LoadBalancerIngress i : orEmpty(s.getStatus().getLoadBalancer().getIngress())) {
                if (i != null && i.getIp() != null) {
                    ingress.add(new Ingress(i.getIp(), i.getIpMode()));
                }
            }
        }
        return new ServiceView(ref, meta.getCreationTimestamp(), annotations, labels, spec.getType(), spec.getClusterIP(),
                orEmpty(spec.getClusterIPs()), orEmpty(spec.getIpFamilies()), orEmpty(spec.getExternalIPs()), ports,
                spec.getExternalTrafficPolicy(), spec.getInternalTrafficPolicy(), spec.getSessionAffinity(), timeout, ingress,
                orEmpty(spec.getLoadBalancerSourceRanges()), spec.getHealthCheckNodePort(), null);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
