package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.watch.ClusterModel;

class OfflineMessagesTest {
    @Test
    void decodesBackTheLinkRoutesAndServersAFirstSyncWrites() throws Exception {
        InetAddress nodeIp = InetAddress.getByName("192.168.1.1");
        ClusterModel model = TestObjects.model(TestObjects.service("web", "10.96.0.10", 80, null, "198.51.100.10"),
                TestObjects.slice("web", 8080, "node1", "10.244.1.2", "10.244.1.3"));
        ServiceRef ref = new ServiceRef("default", "web");
        ServicePlanner planner = new ServicePlanner(AgentFlags.parse(new String[] {"--service-external-ip-range=198.51.100.0/24"}),
                new NodeInfo("node1", List.of(nodeIp), List.of(nodeIp)), Set.of(nodeIp)::contains);
        ServiceTable table = new ServiceTable(new DsrMarks());
        table.put(planner.plan(model.service(ref).orElseThrow(), model.slices(ref)));

        List<Object> expected = new ArrayList<>();
        for (InetAddress vip : table.vips()) {
            expected.add(VipRoutes.localRoute(vip, OfflineMessages.DUMMY_INDEX, null));
        }
        for (DesiredVirtualServer want : table.winners().values()) {
            expected.add(want.server());
            expected.addAll(want.realServers());
        }
        List<Object> decoded = OfflineMessages.roundTrip(table);

        assertThat(decoded.get(0)).isInstanceOfSatisfying(Link.class, l -> {
            assertThat(l.name()).isEqualTo(SyncEngine.DUMMY_LINK);
            assertThat(l.kind()).isEqualTo(new LinkKind.Dummy());
        });
        assertThat(decoded.subList(1, decoded.size())).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(table.vips()).contains(InetAddress.getByName("10.96.0.10"), InetAddress.getByName("198.51.100.10"));
        assertThat(expected).hasSizeGreaterThanOrEqualTo(2 + 2 * 3); // two VIPs, two virtual servers with two reals each
    }
}
