package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.proxy.TestObjects;

/** A repeated notification (same object, same version) is recognised; anything else is new. */
class ClusterModelTest {
    private final ClusterModel model = new ClusterModel();

    private static Service versioned(Service s, String uid, String version) {
        return new ServiceBuilder(s).editMetadata().withUid(uid).withResourceVersion(version).endMetadata().build();
    }

    private static EndpointSlice versioned(EndpointSlice s, String version) {
        return new EndpointSliceBuilder(s).editMetadata().withUid("slice-uid").withResourceVersion(version).endMetadata().build();
    }

    @Test
    void holdsAServiceOfTheSameUidAndVersion() {
        Service web = TestObjects.service("web", "10.96.0.10", 80, null);
        model.putService(versioned(web, "a", "5"));
        assertThat(model.holds(versioned(web, "a", "5"))).isTrue();
        assertThat(model.holds(versioned(web, "a", "6"))).as("a newer version").isFalse();
        assertThat(model.holds(versioned(web, "b", "5"))).as("deleted and created again").isFalse();
        assertThat(model.holds(web)).as("no version: never the same").isFalse();
    }

    @Test
    void holdsASliceOfTheSameVersion() {
        EndpointSlice slice = TestObjects.slice("web", 8080, "node1", "10.244.1.2");
        model.putSlice(versioned(slice, "3"));
        assertThat(model.holds(versioned(slice, "3"))).isTrue();
        assertThat(model.holds(versioned(slice, "4"))).isFalse();
    }
}
