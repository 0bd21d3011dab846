package io.kubedsr.proxy.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.proxy.model.Annotations;

/**
 * Services and EndpointSlices built from fuzz data. Every field the planner reads is set from a small pool of
 * meaningful values (so the fuzzer reaches deep branches quickly) or from raw fuzzed text and numbers (so it
 * also tries what no pool foresaw); any field may be absent. Namespace and name come from a pool too, so two
 * Services of one input can collide.
 */
final class FuzzedServices {
    private static final String[] IPS = {"10.96.0.10", "10.96.0.11", "fd00:96::10", "1.2.3.4", "2001:db8::4", "5.6.7.8",
        "10.244.1.5", "10.244.2.9", "fd00:244::5", "192.168.1.10", "192.168.1.11", "9.9.9.9", "::", "0.0.0.0", "None", "",
        "10.96.0.300", "::ffff:10.96.0.10"};
    private static final String[] TYPES = {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"};
    private static final String[] PROTOCOLS = {"TCP", "UDP", "SCTP", "tcp", "ICMP"};
    private static final String[] PORT_NAMES = {"", "http", "dns", "metrics"};
    private static final String[] ANNOTATION_KEYS = {Annotations.SCHEDULER, Annotations.SCHED_FLAGS, Annotations.LOCAL,
        Annotations.SKIP_LB_IPS, Annotations.HAIRPIN, Annotations.HAIRPIN_EXTERNAL_IPS, Annotations.DSR, Annotations.DSR_ENCAP};
    private static final String[] ANNOTATION_VALUES = {"tunnel", "true", "false", "rr", "sh", "mh", "wlc", "flag-1",
        "flag-1,flag-2", "flag-9", "gue", "ipip", "fou", "", " tunnel "};
    private static final String[] NODES = {"node1", "node2"};
    private static final String[] ADDRESS_TYPES = {"IPv4", "IPv6", "FQDN"};
    private static final int[] PORTS = {80, 53, 443, 8080, 30080, 0, -1, 65535, 65536, 70000, Integer.MIN_VALUE};
    private static final String[] FAMILIES = {"IPv4", "IPv6", "ipv4", ""};
    private static final String[] SOURCE_RANGES = {"10.0.0.0/8", " 192.168.0.0/16 ", "192.168.1.10/32", "0.0.0.0/0", "::/0",
        "2001:db8::/64", "10.1.2.3", "10.0.0.0/33", "x/8", "", "fd00::/200"};
    private static final String[] ZONES = {"zone-a", "zone-b", "", "node1"};

    private FuzzedServices() {
    }

    private static String pick(FuzzedDataProvider d, String[] pool) {
        int i = d.consumeInt(0, pool.length + 1);
        if (i == pool.length) {
            return null;
        }
        return i > pool.length ? d.consumeString(24) : pool[i];
    }

    private static Integer port(FuzzedDataProvider d) {
        int i = d.consumeInt(0, PORTS.length + 1);
        if (i == PORTS.length) {
            return null;
        }
        return i > PORTS.length ? d.consumeInt() : PORTS[i];
    }

    private static Boolean maybe(FuzzedDataProvider d) {
        int i = d.consumeInt(0, 2);
        return i == 2 ? null : i == 1;
    }

    private static List<String> ips(FuzzedDataProvider d, int max) {
        return some(d, IPS, max);
    }

    /** Up to {@code max} values from the pool (or fuzzed text, or null). */
    private static List<String> some(FuzzedDataProvider d, String[] pool, int max) {
        List<String> out = new ArrayList<>();
        int n = d.consumeInt(0, max);
        for (int i = 0; i < n; i++) {
            out.add(pick(d, pool));
        }
        return out;
    }

    static Service service(FuzzedDataProvider d, int index) {
        Map<String, String> annotations = new LinkedHashMap<>();
        int n = d.consumeInt(0, 5);
        for (int i = 0; i < n; i++) {
            String key = d.consumeBoolean() ? ANNOTATION_KEYS[d.consumeInt(0, ANNOTATION_KEYS.length - 1)] : d.consumeString(16);
            String value = pick(d, ANNOTATION_VALUES);
            annotations.put(key, value == null ? "" : value);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (d.consumeInt(0, 15) == 0) {
            labels.put(d.consumeBoolean() ? Annotations.LABEL_HEADLESS : Annotations.LABEL_PROXY_NAME, "x");
        }
        List<ServicePort> ports = new ArrayList<>();
        int portCount = d.consumeInt(0, 4);
        for (int i = 0; i < portCount; i++) {
            ServicePortBuilder p = new ServicePortBuilder().withName(pick(d, PORT_NAMES)).withProtocol(pick(d, PROTOCOLS))
                    .withPort(port(d)).withNodePort(port(d));
            Integer target = port(d);
            if (target != null) {
                p.withTargetPort(new IntOrString(target));
            }
            ports.add(p.build());
        }
        List<LoadBalancerIngress> ingress = new ArrayList<>();
        int ingressCount = d.consumeInt(0, 2);
        for (int i = 0; i < ingressCount; i++) {
            LoadBalancerIngress ing = new LoadBalancerIngress();
            ing.setIp(pick(d, IPS));
            ing.setIpMode(pick(d, new String[] {"VIP", "Proxy"}));
            ingress.add(ing);
        }
        String affinity = pick(d, new String[] {"None", "ClientIP"});
        Integer affinityTimeout = d.consumeBoolean() ? null : d.consumeBoolean() ? d.consumeInt() : d.consumeInt(-1, 86400);
        ServiceBuilder b = new ServiceBuilder()
                .withMetadata(new ObjectMetaBuilder().withNamespace(d.consumeBoolean() ? "default" : "other")
                        .withName(d.consumeInt(0, 3) == 0 ? "shared" : "svc" + index).withAnnotations(annotations)
                        .withLabels(labels).build())
                .withNewSpec().withType(pick(d, TYPES)).withClusterIP(pick(d, IPS)).withClusterIPs(ips(d, 2))
                .withExternalIPs(ips(d, 3)).withPorts(ports).withSessionAffinity(affinity)
                .withIpFamilies(some(d, FAMILIES, 2)).withLoadBalancerSourceRanges(some(d, SOURCE_RANGES, 3))
                .withExternalTrafficPolicy(pick(d, new String[] {"Cluster", "Local"}))
                .withInternalTrafficPolicy(pick(d, new String[] {"Cluster", "Local"}))
                .withHealthCheckNodePort(port(d))
                .withNewSessionAffinityConfig().withNewClientIP().withTimeoutSeconds(affinityTimeout).endClientIP()
                .endSessionAffinityConfig()
                .endSpec()
                .withNewStatus().withNewLoadBalancer().withIngress(ingress).endLoadBalancer().endStatus();
        return b.build();
    }

    static List<EndpointSlice> slices(FuzzedDataProvider d, Service service) {
        List<EndpointSlice> out = new ArrayList<>();
        int count = d.consumeInt(0, 3);
        for (int s = 0; s < count; s++) {
            List<EndpointPort> ports = new ArrayList<>();
            int portCount = d.consumeInt(0, 3);
            for (int i = 0; i < portCount; i++) {
                ports.add(new EndpointPortBuilder().withName(pick(d, PORT_NAMES)).withProtocol(pick(d, PROTOCOLS))
                        .withPort(port(d)).build());
            }
            List<Endpoint> endpoints = new ArrayList<>();
            int endpointCount = d.consumeInt(0, 4);
            for (int i = 0; i < endpointCount; i++) {
                EndpointConditions c = d.consumeBoolean() ? null
                        : new EndpointConditions(maybe(d), maybe(d), maybe(d));
                EndpointBuilder e = new EndpointBuilder().withAddresses(ips(d, 2)).withConditions(c).withNodeName(pick(d, NODES));
                if (d.consumeBoolean()) {
                    EndpointHintsBuilder hints = new EndpointHintsBuilder();
                    for (String zone : some(d, ZONES, 2)) {
                        hints.addNewForZone(zone);
                    }
                    for (String node : some(d, NODES, 2)) {
                        hints.addNewForNode(node);
                    }
                    e.withHints(hints.build());
                }
                endpoints.add(e.build());
            }
            out.add(new EndpointSliceBuilder().withNewMetadata().withNamespace(service.getMetadata().getNamespace())
                    .withName(service.getMetadata().getName() + "-" + s)
                    .addToLabels(Annotations.LABEL_SERVICE_NAME, service.getMetadata().getName()).endMetadata()
                    .withAddressType(pick(d, ADDRESS_TYPES)).withPorts(ports).withEndpoints(endpoints).build());
        }
        return out;
    }
}
