package io.kubedsr.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.SliceView;

/** The local endpoint count a HealthCheckNodePort answers with. */
class LocalEndpointsTest {
    private static SliceView slice(String name, String family, String... nodeAddressReady) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("shop").withName(name)
                .withLabels(Map.of(Annotations.LABEL_SERVICE_NAME, "web")).endMetadata().withAddressType(family)
                .addNewPort().withPort(8080).endPort();
        for (int i = 0; i < nodeAddressReady.length; i += 3) {
            b.addToEndpoints(new EndpointBuilder().withNodeName(nodeAddressReady[i]).withAddresses(nodeAddressReady[i + 1])
                    .withNewConditions().withReady(Boolean.valueOf(nodeAddressReady[i + 2])).endConditions().build());
        }
        return SliceView.of(b.build());
    }

    @Test
    void countsReadyEndpointsOnThisNodeOnly() {
        SliceView s = slice("web-1", "IPv4", "n1", "10.244.1.2", "true", "n1", "10.244.1.3", "false", "n2", "10.244.2.2", "true");
        assertThat(LocalEndpoints.readyOn("n1", List.of(s))).isEqualTo(1);
        assertThat(LocalEndpoints.readyOn("n3", List.of(s))).isZero();
    }

    @Test
    void anEndpointListedByTwoSlicesCountsOnce() {
        SliceView a = slice("web-1", "IPv4", "n1", "10.244.1.2", "true", "n1", "10.244.1.3", "true");
        SliceView b = slice("web-2", "IPv4", "n1", "10.244.1.3", "true");
        assertThat(LocalEndpoints.readyOn("n1", List.of(a, b))).isEqualTo(2);
    }

    @Test
    void aDualStackPodCountsOnce() {
        SliceView v4 = slice("web-4", "IPv4", "n1", "10.244.1.2", "true", "n1", "10.244.1.3", "true");
        SliceView v6 = slice("web-6", "IPv6", "n1", "fd00:244:1::2", "true", "n1", "fd00:244:1::3", "true");
        assertThat(LocalEndpoints.readyOn("n1", List.of(v4, v6))).isEqualTo(2);
    }

    @Test
    void fqdnSlicesDoNotCount() {
        assertThat(LocalEndpoints.readyOn("n1", List.of(slice("web-f", "FQDN", "n1", "web.example", "true")))).isZero();
    }
}
