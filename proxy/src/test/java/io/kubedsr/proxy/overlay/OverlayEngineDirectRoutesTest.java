package io.kubedsr.proxy.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.NodeTunnels;

/**
 * The overlay engine against this machine's kernel, for peers on a shared subnet (direct routes: this kernel
 * has no ipip; tunnels are tested in the VM, e2e OverlayRealKernelTest): incremental writes, removal,
 * adoption and orphan removal after a restart, routes of others left alone.
 */
class OverlayEngineDirectRoutesTest {
    private TestNamespace node;
    private TestNamespace lan;
    private NetlinkConnection generic;

    @BeforeEach
    void setUp() {
        node = TestNamespace.create();
        lan = TestNamespace.create();
        TestNamespace.veth(node, "eth0", "192.168.1.1/24", lan, "eth0", "192.168.1.254/24");
        node.exec("ip", "-6", "addr", "add", "fd00:1::1/64", "dev", "eth0", "nodad");
        generic = node.namespace().openConnection(NetlinkProtocol.GENERIC);
    }

    @AfterEach
    void tearDown() {
        generic.close();
        node.close();
        lan.close();
    }

    private OverlayEngine engine() {
        OverlaySettings settings = new OverlaySettings(true, false, Encapsulation.IPIP, List.of(AddressFamily.INET, AddressFamily.INET6));
        // No GUE receive ports: this kernel has no fou module (the receive ports are proven in the VM).
        return new OverlayEngine(settings, List.of(), Set.of(5555), node.rtnl(), new NodeTunnels(node.rtnl(), generic));
    }

    private static final Node SELF = Nodes.node("node1", List.of("InternalIP=192.168.1.1", "InternalIP=fd00:1::1"),
            List.of("10.244.1.0/24", "fd00:244:1::/64"));

    private String routes() {
        return node.exec("ip", "route", "show", "proto", "107") + node.exec("ip", "-6", "route", "show", "proto", "107");
    }

    @Test
    void writesOnlyTheChangedNodeAndRemovesWhatIsGone() {
        OverlayEngine engine = engine();
        Node node2 = Nodes.node("node2", List.of("InternalIP=192.168.1.2", "InternalIP=fd00:1::2"), List.of("10.244.2.0/24", "fd00:244:2::/64"));
        Node node3 = Nodes.node("node3", "192.168.1.3", "10.244.3.0/24");
        OverlaySyncResult first = engine.fullSync("node1", List.of(SELF, node2, node3));
        assertThat(first.writes()).isEqualTo(3);
        assertThat(first.directRoutes()).isEqualTo(3);
        assertThat(routes()).contains("10.244.2.0/24 via 192.168.1.2 dev eth0").contains("10.244.3.0/24 via 192.168.1.3 dev eth0")
                .contains("fd00:244:2::/64 via fd00:1::2 dev eth0");

        assertThat(engine.fullSync("node1", List.of(SELF, node2, node3)).writes()).as("nothing changed").isZero();

        Node node3b = Nodes.node("node3", "192.168.1.3", "10.244.33.0/24");
        OverlaySyncResult change = engine.syncNodes(List.of("node3"), Map.of("node3", node3b));
        assertThat(change.writes()).as("add the new CIDR, delete the old").isEqualTo(2);
        assertThat(change.nodesPlanned()).isEqualTo(1);
        assertThat(routes()).contains("10.244.33.0/24 via 192.168.1.3").doesNotContain("10.244.3.0/24");

        OverlaySyncResult removal = engine.syncNodes(List.of("node2"), Map.of());
        assertThat(removal.writes()).isEqualTo(2);
        assertThat(routes()).doesNotContain("10.244.2.0/24").doesNotContain("fd00:244:2::").contains("10.244.33.0/24");
    }

    @Test
    void aRestartedEngineAdoptsItsRoutesAndRemovesOrphansButNotRoutesOfOthers() {
        Node node2 = Nodes.node("node2", "192.168.1.2", "10.244.2.0/24");
        engine().fullSync("node1", List.of(SELF, node2, Nodes.node("node9", "192.168.1.9", "10.244.9.0/24")));
        node.exec("ip", "route", "add", "10.244.8.0/24", "via", "192.168.1.8"); // someone else's (proto boot)

        OverlayEngine restarted = engine();
        OverlaySyncResult r = restarted.fullSync("node1", List.of(SELF, node2)); // node9 deleted while it was down
        assertThat(r.writes()).as("only the orphan route removed").isEqualTo(1);
        assertThat(routes()).contains("10.244.2.0/24 via 192.168.1.2").doesNotContain("10.244.9.0/24");
        assertThat(node.exec("ip", "route", "show")).contains("10.244.8.0/24 via 192.168.1.8");
    }

    @Test
    void invalidNodesAreSkippedAndWithoutThisNodeNothingIsTouched() {
        OverlayEngine engine = engine();
        Node noAddress = Nodes.node("node4", List.of(), List.of("10.244.4.0/24"));
        Node badCidr = Nodes.node("node5", List.of("InternalIP=192.168.1.5"), List.of("10.244.5.0/40"));
        Node good = Nodes.node("node6", "192.168.1.6", "10.244.6.0/24");
        OverlaySyncResult r = engine.fullSync("node1", List.of(SELF, noAddress, badCidr, good));
        assertThat(r.writes()).isEqualTo(1);
        assertThat(routes()).contains("10.244.6.0/24 via 192.168.1.6").doesNotContain("10.244.4.").doesNotContain("10.244.5.");
        assertThat(engine.applied("node4").problems()).isNotEmpty();

        OverlaySyncResult withoutSelf = engine().fullSync("node1", List.of(good));
        assertThat(withoutSelf.writes()).isZero();
        assertThat(routes()).contains("10.244.6.0/24 via 192.168.1.6");
    }

    /** --cleanup-config's overlay part: our direct routes go (no fou module here: no port to look for), others stay. */
    @Test
    void cleanupRemovesOurRoutesOnly() {
        Node node2 = Nodes.node("node2", List.of("InternalIP=192.168.1.2", "InternalIP=fd00:1::2"), List.of("10.244.2.0/24", "fd00:244:2::/64"));
        engine().fullSync("node1", List.of(SELF, node2));
        node.exec("ip", "route", "add", "10.99.0.0/16", "via", "192.168.1.254");
        assertThat(new NodeTunnels(node.rtnl(), generic).removeAll(java.util.Set.of(5555))).isEqualTo(2);
        assertThat(routes()).isEmpty();
        assertThat(node.exec("ip", "route")).contains("10.99.0.0/16 via 192.168.1.254");
    }
}
