package io.kubedsr.proxy.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;

/** The desired-state table: conflicts by one deterministic rule, hand-over, VIP references, DSR marks. */
class ServiceTableTest {
    private static final VirtualServerKey SHARED = VirtualServerKey.of(IpPrefix.parseAddress("198.51.100.7"), Protocol.TCP, 80);
    private final ServicePlanner planner = new ServicePlanner(AgentFlags.parse(new String[] {"--service-external-ip-range=198.51.100.0/24"}),
            new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.1")), List.of()));
    private final ServiceTable table = new ServiceTable(new DsrMarks());

    private ServicePlan plan(String name, String clusterIp, String created, String pod) {
        Service s = TestObjects.service(name, clusterIp, 80, created, "198.51.100.7");
        EndpointSlice e = TestObjects.slice(name, 8080, "node2", pod);
        return planner.plan(ServiceView.of(s), List.of(SliceView.of(e)));
    }

    private static String podOf(DesiredVirtualServer d) {
        return IpPrefix.format(d.realServers().iterator().next().address());
    }

    @Test
    void theOlderServiceKeepsASharedVirtualServerWhateverTheOrder() {
        ServicePlan old = plan("zz-old", "10.96.0.1", "2025-01-01T00:00:00Z", "10.244.1.1");
        ServicePlan young = plan("aa-young", "10.96.0.2", "2026-06-01T00:00:00Z", "10.244.2.2");
        table.put(young);
        TableChange c = table.put(old);
        assertThat(podOf(table.winner(SHARED))).isEqualTo("10.244.1.1");
        assertThat(c.problems()).extracting(Problem::service, Problem::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(new ServiceRef("default", "aa-young"), "VirtualServerConflict"));

        ServiceTable other = new ServiceTable(new DsrMarks());
        other.put(old);
        other.put(young);
        assertThat(other.winner(SHARED)).isEqualTo(table.winner(SHARED));
    }

    @Test
    void withoutCreationTimesTheFirstByNameWins() {
        table.put(plan("b", "10.96.0.2", null, "10.244.2.2"));
        table.put(plan("a", "10.96.0.1", null, "10.244.1.1"));
        assertThat(table.winner(SHARED).owner().service().name()).isEqualTo("a");
    }

    /** The defect: deleting the holder deleted the virtual server although another Service still claimed it. */
    @Test
    void removingTheHolderHandsTheVirtualServerToTheNextClaimant() {
        table.put(plan("old", "10.96.0.1", "2025-01-01T00:00:00Z", "10.244.1.1"));
        table.put(plan("young", "10.96.0.2", "2026-01-01T00:00:00Z", "10.244.2.2"));
        TableChange c = table.remove(new ServiceRef("default", "old"));
        assertThat(c.keys()).contains(SHARED);
        assertThat(podOf(table.winner(SHARED))).isEqualTo("10.244.2.2");
        assertThat(table.wantsVip(IpPrefix.parseAddress("198.51.100.7"))).as("the VIP stays wanted").isTrue();
        assertThat(c.problems()).isEmpty();
        table.remove(new ServiceRef("default", "young"));
        assertThat(table.winner(SHARED)).isNull();
        assertThat(table.wantsVip(IpPrefix.parseAddress("198.51.100.7"))).isFalse();
    }

    @Test
    void anUpdateOfTheHolderKeepsItAndTouchesOnlyItsKeys() {
        table.put(plan("old", "10.96.0.1", "2025-01-01T00:00:00Z", "10.244.1.1"));
        table.put(plan("young", "10.96.0.2", "2026-01-01T00:00:00Z", "10.244.2.2"));
        TableChange c = table.put(plan("old", "10.96.0.1", "2025-01-01T00:00:00Z", "10.244.1.9"));
        assertThat(podOf(table.winner(SHARED))).isEqualTo("10.244.1.9");
        assertThat(c.keys()).containsExactlyInAnyOrder(SHARED, VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.1"), Protocol.TCP, 80));
        assertThat(c.nft()).as("same keys, VIPs and sources: nftables unchanged").isFalse();
    }

    @Test
    void aDsrVirtualServerIsServedByItsMarkAndTheMarkIsReleasedOnlyWhenAsked() {
        Service s = TestObjects.annotated(TestObjects.service("web", "10.96.0.1", 80, null, "198.51.100.7"),
                Map.of("kube-router.io/service.dsr", "tunnel"));
        TableChange c = table.put(planner.plan(ServiceView.of(s), List.of(SliceView.of(TestObjects.slice("web", 80, "node1", "10.244.1.1")))));
        assertThat(c.dsr()).isTrue();
        DesiredVirtualServer d = table.dsrWinners().get(0);
        assertThat(d.server().key()).isInstanceOf(VirtualServerKey.ByFwmark.class);
        int mark = ((VirtualServerKey.ByFwmark) d.server().key()).fwmark();
        assertThat(d.realServers()).extracting(RealServer::address).containsExactly(IpPrefix.parseAddress("10.244.1.1"));
        table.remove(new ServiceRef("default", "web"));
        assertThat(table.marks().isAssigned(mark)).as("kept until the kernel no longer uses it").isTrue();
        table.releaseUnusedMarks();
        assertThat(table.marks().isAssigned(mark)).isFalse();
    }
}
