package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

class ServiceNamesTest {
    private static Service web() {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName("web").endMetadata()
                .withNewSpec().withType("NodePort").withClusterIP("10.96.0.10").withClusterIPs("10.96.0.10")
                .withExternalIPs("fd00:96:0:0:0:0:0:10")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).withNodePort(30080).endPort()
                .endSpec().build();
    }

    private static Service dsr() {
        return new ServiceBuilder().withNewMetadata().withNamespace("apps").withName("dsr").endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP("10.96.0.11")
                .addNewPort().withProtocol("UDP").withPort(53).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("203.0.113.11").endIngress().endLoadBalancer()
                .endStatus().build();
    }

    private static Service ingress() {
        return new ServiceBuilder().withNewMetadata().withNamespace("edge").withName("ingress").endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP("10.96.0.12").withExternalTrafficPolicy("Local")
                .addNewPort().withProtocol("TCP").withPort(443).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("203.0.113.12").endIngress().endLoadBalancer()
                .endStatus().build();
    }

    @Test
    void namesByClusterIpExternalIpLoadBalancerIpAndNodePort() {
        ServiceNames names = new ServiceNames(List.of(web(), dsr()));
        assertThat(names.at("10.96.0.10", "tcp", 80)).containsExactly("default/web:80");
        assertThat(names.at("fd00:96::10", "tcp", 80)).as("any textual form of the address").containsExactly("default/web:80");
        assertThat(names.at("10.96.0.10", "udp", 80)).as("protocol matters").isEmpty();
        assertThat(names.at("10.96.0.11", "udp", 53)).as("clusterIP without clusterIPs").containsExactly("apps/dsr:53");
        assertThat(names.at("203.0.113.11", "udp", 53)).containsExactly("apps/dsr:53");
        assertThat(names.atNodePort("tcp", 30080)).containsExactly("default/web:80");
    }

    @Test
    void namesVirtualServersAndFwmarkServicesThroughTheirMarks() {
        NodeStatus named = new ServiceNames(List.of(web(), dsr(), ingress())).name(SampleStatus.director());
        assertThat(named.virtualServers()).extracting(NodeStatus.VirtualServer::services).containsExactly(
                List.of("default/web:80"), List.of("default/web:80"), List.of(), List.of(), List.of("apps/dsr:53"),
                List.of("edge/ingress:443"));
        assertThat(named.dsr().marks()).extracting(NodeStatus.DsrMark::services)
                .containsExactly(List.of(), List.of("apps/dsr:53"));
        assertThat(named.shortCircuits()).extracting(NodeStatus.ShortCircuit::services).containsExactly(List.of("edge/ingress:443"));
    }
}
