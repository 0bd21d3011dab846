package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Route;

class RoutePlanTest {
    private static final int LINK = 7;

    private static Route via(String cidr, int link, String src) {
        return Route.to(IpPrefix.parse(cidr)).withOutputLink(link).withSource(IpPrefix.parseAddress(src));
    }

    @Test
    void equalRoutesNeedNothing() {
        List<Route> wanted = List.of(via("10.244.2.0/24", LINK, "192.168.1.1"));
        RoutePlan plan = RoutePlan.compute(LINK, wanted, wanted);
        assertThat(plan.isEmpty()).isTrue();
    }

    @Test
    void missingRoutesAreAddedAndUnwantedRoutesOfTheLinkDeleted() {
        Route keep = via("10.244.2.0/24", LINK, "192.168.1.1");
        Route gone = via("10.244.3.0/24", LINK, "192.168.1.1");
        Route foreign = via("10.9.0.0/16", 3, "192.168.1.1"); // another device's route: not ours to delete
        Route added = via("10.244.4.0/24", LINK, "192.168.1.1");
        RoutePlan plan = RoutePlan.compute(LINK, List.of(keep, gone, foreign), List.of(keep, added));
        assertThat(plan.toReplace()).containsExactly(added);
        assertThat(plan.toDelete()).containsExactly(gone);
    }

    @Test
    void aWantedRouteThroughAnotherDeviceOrSourceIsReplaced() {
        Route direct = Route.to(IpPrefix.parse("10.244.2.0/24")).withGateway(IpPrefix.parseAddress("192.168.1.2")).withOutputLink(3);
        Route wrongSource = via("10.244.3.0/24", LINK, "192.168.1.9");
        Route tunnel2 = via("10.244.2.0/24", LINK, "192.168.1.1");
        Route tunnel3 = via("10.244.3.0/24", LINK, "192.168.1.1");
        RoutePlan plan = RoutePlan.compute(LINK, List.of(direct, wrongSource), List.of(tunnel2, tunnel3));
        assertThat(plan.toReplace()).containsExactly(tunnel2, tunnel3);
        assertThat(plan.toDelete()).isEmpty(); // replace swaps them in place
    }

    @Test
    void theKernelsOwnRouteOfTheLinkStays() {
        Route linkLocal = Route.to(IpPrefix.parse("fe80::/64")).withOutputLink(LINK).withProtocol(RoutePlan.PROTOCOL_KERNEL);
        Route pods = Route.to(IpPrefix.parse("fd00:244:2::/64")).withOutputLink(LINK).withSource(IpPrefix.parseAddress("fd00:1::1"));
        RoutePlan plan = RoutePlan.compute(LINK, List.of(linkLocal, pods), List.of(pods));
        assertThat(plan.isEmpty()).isTrue();
    }
}
