package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubedsr.netlink.IpPrefix;

/** Every node's addresses, kept by counting which nodes hold each address; this node's addresses and zone. */
class NodeModelTest {
    private final NodeModel model = new NodeModel("node1");

    private static Node node(String name, String version, String... addresses) {
        Node n = new NodeBuilder().withNewMetadata().withName(name).withUid("uid-" + name).withResourceVersion(version).endMetadata()
                .withNewStatus().endStatus().build();
        for (String a : addresses) {
            n.getStatus().getAddresses().add(new NodeAddress(a, "InternalIP"));
        }
        return n;
    }

    @Test
    void anAddressLeavesTheClusterSetOnlyWhenItsLastNodeDropsIt() {
        assertThat(model.put(node("node1", "1", "192.168.1.1")).clusterAddresses()).isTrue();
        assertThat(model.put(node("node2", "1", "192.168.1.9")).clusterAddresses()).isTrue();
        assertThat(model.put(node("node3", "1", "192.168.1.9")).clusterAddresses()).as("held already by node2").isFalse();
        assertThat(model.remove(node("node2", "1")).clusterAddresses()).as("still held by node3").isFalse();
        assertThat(model.clusterAddresses()).containsExactlyInAnyOrder(IpPrefix.parseAddress("192.168.1.1"),
                IpPrefix.parseAddress("192.168.1.9"));
        assertThat(model.put(node("node3", "2", "192.168.1.3")).clusterAddresses()).isTrue();
        assertThat(model.clusterAddresses()).containsExactlyInAnyOrder(IpPrefix.parseAddress("192.168.1.1"),
                IpPrefix.parseAddress("192.168.1.3"));
        assertThat(model.put(node("node3", "3", "192.168.1.3")).clusterAddresses()).as("unchanged addresses").isFalse();
        assertThat(model.remove(node("node3", "3")).clusterAddresses()).isTrue();
        assertThat(model.clusterAddresses()).containsExactly(IpPrefix.parseAddress("192.168.1.1"));
    }

    @Test
    void thisNodesAddressesAreReportedAsItsOwn() {
        NodeModel.Change c = model.put(node("node1", "1", "192.168.1.1"));
        assertThat(c.self()).isTrue();
        assertThat(c.selfAddresses()).isTrue();
        assertThat(model.selfInfo().addresses()).containsExactly(IpPrefix.parseAddress("192.168.1.1"));
        assertThat(model.put(node("node2", "1", "192.168.1.2")).selfAddresses()).isFalse();
    }

    @Test
    void holdsTheVersionItWasGivenOnly() {
        model.put(node("node2", "7", "192.168.1.2"));
        assertThat(model.holds(node("node2", "7"))).isTrue();
        assertThat(model.holds(node("node2", "8"))).isFalse();
        assertThat(model.holds(node("node3", "7"))).isFalse();
    }

    private static Node zoned(String name, String zone, String ip) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (zone != null) {
            b.editMetadata().withLabels(Map.of("topology.kubernetes.io/zone", zone)).endMetadata();
        }
        return b.withNewStatus().addNewAddress().withType("InternalIP").withAddress(ip).endAddress().endStatus().build();
    }

    @Test
    void thisNodesZoneReachesTheSnapshotAndAChangeOfItIsReported() {
        assertThat(model.selfInfo().zone()).isEmpty();
        NodeModel.Change first = model.put(zoned("node1", "zone-a", "192.168.1.1"));
        assertThat(first.selfZone()).isTrue();
        assertThat(model.selfInfo().zone()).isEqualTo("zone-a");
        assertThat(model.put(zoned("node1", "zone-a", "192.168.1.1")).selfZone()).as("unchanged").isFalse();
        NodeModel.Change moved = model.put(zoned("node1", "zone-b", "192.168.1.1"));
        assertThat(moved.selfZone()).isTrue();
        assertThat(moved.selfAddresses()).isFalse();
        assertThat(model.put(zoned("node2", "zone-c", "192.168.1.2")).selfZone()).as("another node's zone").isFalse();
        assertThat(model.put(zoned("node1", null, "192.168.1.1")).selfZone()).isTrue();
        assertThat(model.selfInfo().zone()).isEmpty();
    }
}
