package io.kubedsr.proxy.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.NodeInfo;

/** The fall-backs of topology-aware routing that the scenarios (node1 in zone-a) cannot show. */
class UsableEndpointsTest {
    private static EndpointView ep(String address, String node, List<String> zones, List<String> nodes) {
        return new EndpointView(IpPrefix.parseAddress(address), 80, node, true, true, false, zones, nodes);
    }

    private static final List<EndpointView> HINTED = List.of(ep("10.244.1.1", "node1", List.of("zone-a"), List.of()),
            ep("10.244.2.1", "node2", List.of("zone-b"), List.of()));

    @Test
    void aNodeWithoutAZoneLabelFollowsNoZoneHints() {
        NodeInfo unlabelled = new NodeInfo("node1", List.of(), List.of());
        assertThat(UsableEndpoints.topology(HINTED, "node1", "")).isEqualTo(UsableEndpoints.Topology.NONE);
        assertThat(UsableEndpoints.cluster(HINTED, unlabelled)).hasSize(2);
    }

    @Test
    void aLabelledNodeFollowsThem() {
        NodeInfo zoneB = new NodeInfo("node9", List.of(), List.of(), "zone-b");
        assertThat(UsableEndpoints.cluster(HINTED, zoneB)).extracting(EndpointView::nodeName).containsExactly("node2");
    }

    @Test
    void noReadyEndpointMeansNoTopology() {
        List<EndpointView> none = List.of(new EndpointView(IpPrefix.parseAddress("10.244.1.1"), 80, "node1", false, false, false,
                List.of("zone-a"), List.of()));
        assertThat(UsableEndpoints.topology(none, "node1", "zone-a")).isEqualTo(UsableEndpoints.Topology.NONE);
        assertThat(UsableEndpoints.cluster(none, new NodeInfo("node1", List.of(), List.of(), "zone-a"))).isEmpty();
    }
}
