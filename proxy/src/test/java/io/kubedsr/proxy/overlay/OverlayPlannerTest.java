package io.kubedsr.proxy.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.TunnelSpec;

class OverlayPlannerTest {
    private static final List<AddressFamily> BOTH = List.of(AddressFamily.INET, AddressFamily.INET6);
    /** node1: 192.168.1.1/24 and fd00:1::1/64 on its interfaces. */
    private static final LocalNode NODE1 = new LocalNode("node1",
            Map.of(AddressFamily.INET, ip("192.168.1.1"), AddressFamily.INET6, ip("fd00:1::1")),
            List.of(IpPrefix.parse("192.168.1.0/24"), IpPrefix.parse("fd00:1::/64"), IpPrefix.parse("10.244.1.0/24")));

    private static java.net.InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static List<IpPrefix> cidrs(String... s) {
        return java.util.Arrays.stream(s).map(IpPrefix::parse).toList();
    }

    private static NodePlan plan(OverlaySettings settings, Node peer) {
        return new OverlayPlanner(NODE1, settings).plan(PeerNode.of(peer));
    }

    private static OverlaySettings subnet(Encapsulation e) {
        return new OverlaySettings(true, false, e, BOTH);
    }

    private static final Node SAME_SUBNET = Nodes.node("node2", List.of("InternalIP=192.168.1.2", "InternalIP=fd00:1::2"),
            List.of("10.244.2.0/24", "fd00:244:2::/64"));
    private static final Node BEHIND_ROUTER = Nodes.node("node3", List.of("InternalIP=192.168.2.3", "InternalIP=fd00:2::3"),
            List.of("10.244.3.0/24", "fd00:244:3::/64"));

    @Test
    void subnetModeRoutesASharedSubnetDirectlyAndTunnelsAcrossARouterInBothFamilies() {
        NodePlan same = plan(subnet(Encapsulation.IPIP), SAME_SUBNET);
        assertThat(same.tunnels()).isEmpty();
        assertThat(same.direct()).containsExactly(new NodePlan.Direct(ip("192.168.1.2"), cidrs("10.244.2.0/24")),
                new NodePlan.Direct(ip("fd00:1::2"), cidrs("fd00:244:2::/64")));
        assertThat(same.problems()).isEmpty();

        NodePlan far = plan(subnet(Encapsulation.gue(5555)), BEHIND_ROUTER);
        assertThat(far.direct()).isEmpty();
        assertThat(far.tunnels()).containsExactly(
                new NodePlan.Tunnel(TunnelSpec.of(ip("192.168.1.1"), ip("192.168.2.3"), Encapsulation.gue(5555)), cidrs("10.244.3.0/24")),
                new NodePlan.Tunnel(TunnelSpec.of(ip("fd00:1::1"), ip("fd00:2::3"), Encapsulation.gue(5555)), cidrs("fd00:244:3::/64")));
    }

    @Test
    void fullModeTunnelsToEveryPeerEvenOnTheSameSubnet() {
        NodePlan same = plan(new OverlaySettings(true, true, Encapsulation.IPIP, BOTH), SAME_SUBNET);
        assertThat(same.direct()).isEmpty();
        assertThat(same.tunnels()).extracting(t -> t.spec().peer()).containsExactly(ip("192.168.1.2"), ip("fd00:1::2"));
        assertThat(same.tunnels()).allSatisfy(t -> assertThat(t.spec().encapsulation()).isEqualTo(Encapsulation.IPIP));
    }

    @Test
    void withoutTheOverlayASharedSubnetIsRoutedDirectlyAndAFarNodeNotAtAll() {
        OverlaySettings off = new OverlaySettings(false, true, Encapsulation.IPIP, BOTH);
        assertThat(plan(off, SAME_SUBNET).direct()).hasSize(2);
        assertThat(plan(off, SAME_SUBNET).tunnels()).isEmpty();
        NodePlan far = plan(off, BEHIND_ROUTER);
        assertThat(far.tunnels()).isEmpty();
        assertThat(far.direct()).isEmpty();
        assertThat(far.problems()).hasSize(2).allSatisfy(p -> assertThat(p).contains("--enable-overlay=false"));
    }

    @Test
    void aFamilyWithoutAnAddressIsAProblemAndTheOtherFamilyIsStillPlanned() {
        Node v4Only = Nodes.node("node4", List.of("InternalIP=192.168.2.4"), List.of("10.244.4.0/24", "fd00:244:4::/64"));
        NodePlan p = plan(subnet(Encapsulation.IPIP), v4Only);
        assertThat(p.tunnels()).extracting(t -> t.spec().peer()).containsExactly(ip("192.168.2.4"));
        assertThat(p.problems()).singleElement().asString().contains("no IPv6 InternalIP or ExternalIP");
    }

    @Test
    void aMalformedCidrIsAProblemAndTheValidOnesArePlanned() {
        Node bad = Nodes.node("node5", List.of("InternalIP=192.168.1.5"), List.of("10.244.5.0/33", "10.244.55.0/24", "banana"));
        NodePlan p = plan(subnet(Encapsulation.IPIP), bad);
        assertThat(p.direct()).containsExactly(new NodePlan.Direct(ip("192.168.1.5"), cidrs("10.244.55.0/24")));
        assertThat(p.problems()).hasSize(2).anySatisfy(s -> assertThat(s).contains("10.244.5.0/33"))
                .anySatisfy(s -> assertThat(s).contains("banana"));
    }

    @Test
    void internalIpIsPreferredThenExternalIpAndHostNamesAreIgnored() {
        Node mixed = Nodes.node("node6", List.of("Hostname=node6", "ExternalIP=203.0.113.6", "InternalIP=node6.local",
                "InternalIP=192.168.2.6"), List.of("10.244.6.0/24"));
        assertThat(PeerNode.of(mixed).addresses()).containsExactly(Map.entry(AddressFamily.INET, ip("192.168.2.6")));
        Node external = Nodes.node("node7", List.of("ExternalIP=203.0.113.7"), List.of("10.244.7.0/24"));
        assertThat(plan(subnet(Encapsulation.IPIP), external).tunnels()).extracting(t -> t.spec().peer())
                .containsExactly(ip("203.0.113.7"));
    }

    @Test
    void theSingularPodCidrIsUsedWhenPodCidrsIsEmptyAndHostBitsAreCleared() {
        Node old = Nodes.node("node8", List.of("InternalIP=192.168.1.8"), List.of());
        old.getSpec().setPodCIDR("10.244.8.1/24");
        assertThat(plan(subnet(Encapsulation.IPIP), old).direct()).containsExactly(
                new NodePlan.Direct(ip("192.168.1.8"), cidrs("10.244.8.0/24")));
    }

    @Test
    void aNodeWithoutPodCidrsYetNeedsNothingAndThisNodeItselfNeedsNothing() {
        NodePlan none = plan(subnet(Encapsulation.IPIP), Nodes.node("node9", List.of("InternalIP=192.168.2.9"), List.of()));
        assertThat(none).isEqualTo(NodePlan.empty("node9"));
        assertThat(plan(subnet(Encapsulation.IPIP), Nodes.node("node1", "192.168.1.1", "10.244.1.0/24"))).isEqualTo(NodePlan.empty("node1"));
    }

    @Test
    void aDisabledFamilyIsNotPlannedAndThisNodeWithoutAnAddressOfAFamilyIsAProblem() {
        NodePlan v4 = plan(new OverlaySettings(true, false, Encapsulation.IPIP, List.of(AddressFamily.INET)), BEHIND_ROUTER);
        assertThat(v4.tunnels()).extracting(t -> t.spec().family()).containsExactly(AddressFamily.INET);
        assertThat(v4.problems()).isEmpty();
        LocalNode v4Local = new LocalNode("node1", Map.of(AddressFamily.INET, ip("192.168.1.1")), NODE1.subnets());
        NodePlan p = new OverlayPlanner(v4Local, subnet(Encapsulation.IPIP)).plan(PeerNode.of(BEHIND_ROUTER));
        assertThat(p.tunnels()).hasSize(1);
        assertThat(p.problems()).singleElement().asString().contains("this node has no IPv6 address");
    }

    @Test
    void aChangeOfOneNodeChangesOnlyItsPlan() {
        OverlayPlanner planner = new OverlayPlanner(NODE1, subnet(Encapsulation.IPIP));
        NodePlan before = planner.plan(PeerNode.of(BEHIND_ROUTER));
        NodePlan other = planner.plan(PeerNode.of(SAME_SUBNET));
        Node moved = Nodes.node("node3", List.of("InternalIP=192.168.1.3", "InternalIP=fd00:2::3"),
                List.of("10.244.3.0/24", "fd00:244:3::/64"));
        NodePlan after = planner.plan(PeerNode.of(moved));
        assertThat(after).isNotEqualTo(before);
        assertThat(after.direct()).containsExactly(new NodePlan.Direct(ip("192.168.1.3"), cidrs("10.244.3.0/24")));
        assertThat(after.tunnels()).extracting(t -> t.spec().peer()).containsExactly(ip("fd00:2::3"));
        assertThat(planner.plan(PeerNode.of(SAME_SUBNET))).as("planning is a function of the node alone").isEqualTo(other);
    }
}
