package io.kubedsr.proxy.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.tunnel.NodeTunnels;

/** The per-peer view of one table dump: only the routes through a link and those to its destinations. */
class TableRoutesTest {
    private static final Route THROUGH_7 = Route.to(IpPrefix.parse("10.244.2.0/24")).withOutputLink(7);
    private static final Route STALE_THROUGH_7 = Route.to(IpPrefix.parse("10.244.22.0/24")).withOutputLink(7);
    private static final Route DIRECT_TO_3 = NodeTunnels.directRoute(IpPrefix.parse("10.244.3.0/24"),
            IpPrefix.parseAddress("192.168.1.3"), Route.TABLE_MAIN);
    private static final Route THROUGH_8 = Route.to(IpPrefix.parse("10.244.4.0/24")).withOutputLink(8);
    private final TableRoutes table = new TableRoutes(List.of(THROUGH_7, STALE_THROUGH_7, DIRECT_TO_3, THROUGH_8));

    @Test
    void aLinkSeesItsOwnRoutesAndThoseToItsDestinationsOnly() {
        assertThat(table.forLink(7, List.of(IpPrefix.parse("10.244.2.0/24"), IpPrefix.parse("10.244.3.0/24"))))
                .containsExactlyInAnyOrder(THROUGH_7, STALE_THROUGH_7, DIRECT_TO_3);
        assertThat(table.forLink(9, List.of())).isEmpty();
    }

    @Test
    void destinationsAreComparedByNetwork() {
        assertThat(table.to(IpPrefix.parse("10.244.3.7/24"))).containsExactly(DIRECT_TO_3);
        assertThat(table.to(IpPrefix.parse("10.244.3.0/25"))).isEmpty();
        assertThat(table.all()).hasSize(4);
    }
}
