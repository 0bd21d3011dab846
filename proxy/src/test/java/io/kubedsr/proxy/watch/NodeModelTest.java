package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;

class NodeModelTest {
    private static Node node(String name, String zone, String ip) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (zone != null) {
            b.editMetadata().withLabels(Map.of("topology.kubernetes.io/zone", zone)).endMetadata();
        }
        return b.withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build();
    }

    @Test
    void thisNodesZoneReachesTheSnapshotAndAChangeOfItIsReported() {
        NodeModel model = new NodeModel("node1");
        assertThat(model.selfInfo().zone()).isEmpty();
        NodeModel.Change first = model.put(node("node1", "zone-a", "192.168.1.1"));
        assertThat(first.selfZone()).isTrue();
        assertThat(model.selfInfo().zone()).isEqualTo("zone-a");
        assertThat(model.put(node("node1", "zone-a", "192.168.1.1")).selfZone()).as("unchanged").isFalse();
        NodeModel.Change moved = model.put(node("node1", "zone-b", "192.168.1.1"));
        assertThat(moved.selfZone()).isTrue();
        assertThat(moved.selfAddresses()).isFalse();
        assertThat(model.put(node("node2", "zone-c", "192.168.1.2")).selfZone()).as("another node's zone").isFalse();
        assertThat(model.put(node("node1", null, "192.168.1.1")).selfZone()).isTrue();
        assertThat(model.selfInfo().zone()).isEmpty();
    }
}
