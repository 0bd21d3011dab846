package io.kubedsr.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.proxy.watch.ClusterModel;

/** Services and EndpointSlices for engine and table tests, as an API server would hand them out. */
public final class TestObjects {
    private TestObjects() {
    }

    /**
     * A ClusterIP Service with one TCP port named {@code http}; {@code created} is its creationTimestamp (null for
     * none); {@code externalIps} are its spec.externalIPs.
     */
    public static Service service(String name, String clusterIp, int port, String created, String... externalIps) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).withCreationTimestamp(created)
                .endMetadata().withNewSpec().withType("ClusterIP").withClusterIP(clusterIp).withClusterIPs(clusterIp)
                .withExternalIPs(externalIps).addNewPort().withName("http").withProtocol("TCP").withPort(port).endPort()
                .endSpec().build();
    }

    /**
     * A LoadBalancer Service with one TCP port named {@code http} ({@code port}, NodePort {@code nodePort}) and one
     * ingress IP in its status.
     */
    public static Service loadBalancer(String name, String clusterIp, int port, int nodePort, String ingressIp) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata().withNewSpec()
                .withType("LoadBalancer").withClusterIP(clusterIp).withClusterIPs(clusterIp).addNewPort().withName("http")
                .withProtocol("TCP").withPort(port).withNodePort(nodePort).endPort().endSpec().withNewStatus()
                .withNewLoadBalancer().addNewIngress().withIp(ingressIp).endIngress().endLoadBalancer().endStatus().build();
    }

    /** The same Service with its spec changed. */
    public static Service withSpec(Service s, java.util.function.Consumer<io.fabric8.kubernetes.api.model.ServiceSpec> change) {
        Service copy = new ServiceBuilder(s).build();
        change.accept(copy.getSpec());
        return copy;
    }

    /** The same Service with annotations added. */
    public static Service annotated(Service s, Map<String, String> annotations) {
        return new ServiceBuilder(s).editMetadata().addToAnnotations(annotations).endMetadata().build();
    }

    /** The Service's one slice: port {@code http} = {@code port}, ready endpoints on {@code node}. */
    public static EndpointSlice slice(String service, int port, String node, String... addresses) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (String a : addresses) {
            endpoints.add(new EndpointBuilder().withAddresses(a).withNodeName(node).withNewConditions().withReady(true)
                    .endConditions().build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(service + "-1")
                .withLabels(Map.of("kubernetes.io/service-name", service)).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(port).endPort().withEndpoints(endpoints).build();
    }

    /** A model holding these Services and slices. */
    public static ClusterModel model(Object... objects) {
        ClusterModel m = new ClusterModel();
        for (Object o : objects) {
            if (o instanceof Service s) {
                m.putService(s);
            } else {
                m.putSlice((EndpointSlice) o);
            }
        }
        return m;
    }
}
