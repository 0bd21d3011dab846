package io.kubedsr.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkException;

/**
 * What a {@link Routing} must answer, as the kernel does, in everything the service engine relies on: run
 * against {@link FakeRouting} on every build and against the kernel in a fresh namespace (the host's kernel,
 * and the VM's through VmSelectionsTest), so the engine's host tests cannot run on a fake that disagrees.
 */
public abstract class RoutingContract {
    private static final InetAddress VIP = IpPrefix.parseAddress("10.96.0.10");
    private static final InetAddress VIP6 = IpPrefix.parseAddress("fd00:96::10");
    private static final InetAddress NODE = IpPrefix.parseAddress("192.0.2.1");
    private static final int DSR_TABLE = 78;

    /** A namespace with only {@code lo} (up). */
    protected abstract Routing routing();

    /** A kind of link this kernel can make (the host's has no dummy links; bridges behave alike here). */
    protected abstract LinkKind linkKind();

    private static Errno errnoOf(BatchResult r) {
        assertThat(r.failures()).hasSize(1);
        return r.failures().get(0).error().errno();
    }

    private Link upLink(Routing rt, String name) {
        Link l = rt.addLink(name, linkKind());
        rt.setUp(l.index());
        return rt.link(name).orElseThrow();
    }

    private static Route localRoute(InetAddress vip, int link) {
        return Route.to(IpPrefix.host(vip)).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL).withScope(RouteScope.HOST)
                .withProtocol(2).withOutputLink(link);
    }

    private static List<Route> localRoutesOf(Routing rt, InetAddress a) {
        return rt.routes(AddressFamily.of(a), Route.TABLE_LOCAL).stream()
                .filter(r -> r.destination().equals(IpPrefix.host(a)) && r.type() == RouteType.LOCAL).toList();
    }

    @Test
    void aLinkIsAddedOnceComesUpAndGoes() {
        Routing rt = routing();
        Link l = rt.addLink("kdsr-l0", linkKind());
        assertThat(rt.link("kdsr-l0")).hasValueSatisfying(x -> assertThat(x.isUp()).isFalse());
        assertThatThrownBy(() -> rt.addLink("kdsr-l0", linkKind()))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.alreadyExists()).isTrue());
        rt.setUp(l.index());
        assertThat(rt.link(l.index())).hasValueSatisfying(x -> assertThat(x.isUp()).isTrue());
        rt.deleteLink(l.index());
        assertThat(rt.link("kdsr-l0")).isEmpty();
        assertThatThrownBy(() -> rt.deleteLink(l.index()))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
    }

    @Test
    void anIpv4HostAddressBringsALocalRouteWithItselfAsSource() {
        Routing rt = routing();
        Link l = upLink(rt, "kdsr-l0");
        Address vip = Address.of(l.index(), IpPrefix.host(VIP));
        assertThat(rt.addAddresses(List.of(vip)).failures()).isEmpty();
        assertThat(rt.addresses(AddressFamily.INET)).anySatisfy(a -> {
            assertThat(a.address()).isEqualTo(VIP);
            assertThat(a.linkIndex()).isEqualTo(l.index());
            assertThat(a.prefix().length()).isEqualTo(32);
        });
        assertThat(localRoutesOf(rt, VIP)).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo(VIP);
            assertThat(r.outputLink()).isEqualTo(l.index());
            assertThat(r.scope()).isEqualTo(RouteScope.HOST);
            assertThat(r.protocol()).isEqualTo(2);
        });
        assertThat(errnoOf(rt.addAddresses(List.of(vip)))).isEqualTo(Errno.EEXIST);
        assertThat(rt.deleteAddresses(List.of(vip)).failures()).isEmpty();
        assertThat(localRoutesOf(rt, VIP)).isEmpty();
        assertThat(errnoOf(rt.deleteAddresses(List.of(vip)))).isEqualTo(Errno.EADDRNOTAVAIL);
    }

    /** What kube-router does to a VIP's route, and why its removal must be explicit. */
    @Test
    void aReplacedLocalRouteKeepsTheNodesSourceAndOutlivesItsAddress() {
        Routing rt = routing();
        Link node = upLink(rt, "kdsr-n0");
        Link vips = upLink(rt, "kdsr-l0");
        rt.addAddresses(List.of(Address.of(node.index(), new IpPrefix(NODE, 24)))).throwIfFailed();
        InetAddress other = IpPrefix.parseAddress("10.96.0.11");
        rt.addAddresses(List.of(Address.of(vips.index(), IpPrefix.host(VIP)), Address.of(vips.index(), IpPrefix.host(other))))
                .throwIfFailed();
        assertThat(rt.replaceRoutes(List.of(localRoute(VIP, vips.index()).withSource(NODE))).failures()).isEmpty();
        assertThat(localRoutesOf(rt, VIP)).singleElement().satisfies(r -> assertThat(r.source()).isEqualTo(NODE));

        rt.deleteAddresses(List.of(Address.of(vips.index(), IpPrefix.host(VIP)))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP)).as("the kernel removes only the route whose source is the address")
                .singleElement().satisfies(r -> assertThat(r.source()).isEqualTo(NODE));
        assertThat(rt.deleteRoutes(List.of(localRoute(VIP, vips.index()))).failures()).isEmpty();
        assertThat(localRoutesOf(rt, VIP)).isEmpty();
        assertThat(errnoOf(rt.deleteRoutes(List.of(localRoute(VIP, vips.index()))))).isEqualTo(Errno.ESRCH);
    }

    /**
     * fib_disable_ip: when a link's last IPv4 address goes, so does every IPv4 route through it, routes that never had
     * an address of their own too (which is why the VIPs' routes are written after kube-router's addresses are gone).
     */
    @Test
    void theLinksLastIpv4AddressTakesEveryRouteThroughTheLink() {
        Routing rt = routing();
        Link node = upLink(rt, "kdsr-n0");
        Link vips = upLink(rt, "kdsr-l0");
        InetAddress routeOnly = IpPrefix.parseAddress("10.96.0.12");
        rt.addAddresses(List.of(Address.of(node.index(), new IpPrefix(NODE, 24)))).throwIfFailed();
        rt.addAddresses(List.of(Address.of(vips.index(), IpPrefix.host(VIP)))).throwIfFailed();
        rt.replaceRoutes(List.of(localRoute(VIP, vips.index()).withSource(NODE))).throwIfFailed();
        rt.addRoutes(List.of(localRoute(routeOnly, vips.index()).withSource(NODE))).throwIfFailed();
        rt.deleteAddresses(List.of(Address.of(vips.index(), IpPrefix.host(VIP)))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP)).isEmpty();
        assertThat(localRoutesOf(rt, routeOnly)).isEmpty();
        assertThat(localRoutesOf(rt, NODE)).as("other links keep theirs").hasSize(1);
    }

    /** How kube-dsr makes a VIP local: a local route through a link that holds no address, the node's as source. */
    @Test
    void aLocalRouteWithoutAnAddressIsAddedOnceReadBackAndDeletedOnce() {
        Routing rt = routing();
        Link node = upLink(rt, "kdsr-n0");
        Link vips = upLink(rt, "kdsr-l0");
        rt.addAddresses(List.of(Address.of(node.index(), new IpPrefix(NODE, 24)))).throwIfFailed();
        Route route = localRoute(VIP, vips.index()).withSource(NODE);
        assertThat(rt.addRoutes(List.of(route)).failures()).isEmpty();
        assertThat(localRoutesOf(rt, VIP)).singleElement().satisfies(r -> {
            assertThat(r.source()).isEqualTo(NODE);
            assertThat(r.outputLink()).isEqualTo(vips.index());
            assertThat(r.scope()).isEqualTo(RouteScope.HOST);
            assertThat(r.protocol()).isEqualTo(2);
            assertThat(r.metric()).isZero();
        });
        assertThat(rt.addresses(AddressFamily.INET)).noneMatch(a -> a.linkIndex() == vips.index());
        assertThat(errnoOf(rt.addRoutes(List.of(route)))).isEqualTo(Errno.EEXIST);
        assertThat(rt.deleteRoutes(List.of(localRoute(VIP, vips.index()))).failures()).isEmpty();
        assertThat(localRoutesOf(rt, VIP)).isEmpty();
        assertThat(errnoOf(rt.deleteRoutes(List.of(localRoute(VIP, vips.index()))))).isEqualTo(Errno.ESRCH);
    }

    /**
     * The IPv6 form: metric 1024 (a route from user space), the node's IPv6 source, scope universe whatever was asked
     * (IPv6 routes have no scope); it stays when the link's last IPv6 address goes.
     */
    @Test
    void anIpv6LocalRouteWithoutAnAddressReadsBackWithMetric1024AndOutlivesTheLinksAddresses() {
        Routing rt = routing();
        Link node = upLink(rt, "kdsr-n0");
        Link vips = upLink(rt, "kdsr-l0");
        InetAddress node6 = IpPrefix.parseAddress("fd00:1::1");
        rt.addAddresses(List.of(new Address(node.index(), new IpPrefix(node6, 64), RouteScope.UNIVERSE, true))).throwIfFailed();
        InetAddress other = IpPrefix.parseAddress("fd00:99::1");
        rt.addAddresses(List.of(new Address(vips.index(), IpPrefix.host(other), RouteScope.UNIVERSE, true))).throwIfFailed();
        rt.addRoutes(List.of(localRoute(VIP6, vips.index()).withSource(node6))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP6)).singleElement().satisfies(r -> {
            assertThat(r.metric()).isEqualTo(1024);
            assertThat(r.source()).isEqualTo(node6);
            assertThat(r.scope()).isEqualTo(RouteScope.UNIVERSE);
            assertThat(r.outputLink()).isEqualTo(vips.index());
        });
        rt.deleteAddresses(List.of(new Address(vips.index(), IpPrefix.host(other), RouteScope.UNIVERSE, true))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP6)).as("no IPv6 counterpart of fib_disable_ip").hasSize(1);
        rt.deleteRoutes(List.of(localRoute(VIP6, vips.index()))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP6)).isEmpty();
    }

    /** An address of the node holds its IPv4 local route's slot: a VIP equal to it is local already (EEXIST). */
    @Test
    void aLocalRouteIsRefusedWhereAnAddressesRouteHoldsTheSlot() {
        Routing rt = routing();
        Link node = upLink(rt, "kdsr-n0");
        Link vips = upLink(rt, "kdsr-l0");
        rt.addAddresses(List.of(Address.of(node.index(), new IpPrefix(NODE, 24)))).throwIfFailed();
        assertThat(errnoOf(rt.addRoutes(List.of(localRoute(NODE, vips.index()).withSource(NODE))))).isEqualTo(Errno.EEXIST);
        assertThat(localRoutesOf(rt, NODE)).singleElement().satisfies(r -> assertThat(r.outputLink()).isEqualTo(node.index()));
    }

    @Test
    void aSourceThatIsNoLocalAddressIsRefused() {
        Routing rt = routing();
        Link vips = upLink(rt, "kdsr-l0");
        rt.addAddresses(List.of(Address.of(vips.index(), IpPrefix.host(VIP)))).throwIfFailed();
        assertThat(errnoOf(rt.replaceRoutes(List.of(localRoute(VIP, vips.index()).withSource(NODE))))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void anIpv6HostAddressBringsALocalRouteOfMetricZeroWithoutSource() {
        Routing rt = routing();
        Link l = upLink(rt, "kdsr-l0");
        Address vip = new Address(l.index(), IpPrefix.host(VIP6), RouteScope.UNIVERSE, true);
        rt.addAddresses(List.of(vip)).throwIfFailed();
        awaitLocalRoute(rt, VIP6);
        assertThat(localRoutesOf(rt, VIP6)).singleElement().satisfies(r -> {
            assertThat(r.metric()).isZero();
            assertThat(r.source()).isNull();
            assertThat(r.outputLink()).isEqualTo(l.index());
        });
        // No route from user space has metric 0: a "replace" adds a second route of metric 1024.
        rt.replaceRoutes(List.of(localRoute(VIP6, l.index()).withScope(RouteScope.UNIVERSE).withSource(VIP6))).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP6)).extracting(Route::metric).containsExactlyInAnyOrder(0, 1024);
        rt.deleteAddresses(List.of(vip)).throwIfFailed();
        assertThat(localRoutesOf(rt, VIP6)).extracting(Route::metric).containsExactly(1024);
    }

    /** IPv6 adds an address's routes from a work queue (addrconf), a moment after the address itself. */
    private static void awaitLocalRoute(Routing rt, InetAddress a) {
        for (int i = 0; i < 200 && localRoutesOf(rt, a).isEmpty(); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aLocalDefaultRouteInItsOwnTableForBothFamilies() {
        Routing rt = routing();
        int lo = rt.link("lo").orElseThrow().index();
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            assertThat(rt.routes(f, DSR_TABLE)).as("a table that never held a route").isEmpty();
            Route local = Route.to(new IpPrefix(f.anyAddress(), 0)).withTable(DSR_TABLE).withType(RouteType.LOCAL)
                    .withScope(RouteScope.HOST).withOutputLink(lo);
            rt.addRoutes(List.of(local)).throwIfFailed();
            assertThat(rt.routes(f, DSR_TABLE)).singleElement().satisfies(r -> {
                assertThat(r.type()).isEqualTo(RouteType.LOCAL);
                assertThat(r.destination().length()).isZero();
                assertThat(r.outputLink()).isEqualTo(lo);
            });
            assertThat(errnoOf(rt.addRoutes(List.of(local)))).isEqualTo(Errno.EEXIST);
            Route read = rt.routes(f, DSR_TABLE).get(0);
            rt.deleteRoutes(List.of(read)).throwIfFailed();
            assertThat(rt.routes(f, DSR_TABLE)).isEmpty();
        }
    }

    @Test
    void fwmarkRulesAreAddedOnceAndDeletedOnce() {
        Routing rt = routing();
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            Rule rule = Rule.fwmark(f, 32764, 0x2a, DSR_TABLE);
            rt.addRules(List.of(rule)).throwIfFailed();
            assertThat(rt.rules(f)).filteredOn(r -> r.table() == DSR_TABLE).singleElement().satisfies(r -> {
                assertThat(r.priority()).isEqualTo(32764);
                assertThat(r.fwmark()).isEqualTo(0x2a);
                assertThat(r.fwmask()).isEqualTo(0xFFFFFFFFL);
            });
            assertThat(rt.rules(f)).as("the defaults are there").anySatisfy(r -> assertThat(r.table()).isEqualTo(254));
            assertThat(errnoOf(rt.addRules(List.of(rule)))).isEqualTo(Errno.EEXIST);
            rt.deleteRules(List.of(rule)).throwIfFailed();
            assertThat(rt.rules(f)).noneSatisfy(r -> assertThat(r.table()).isEqualTo(DSR_TABLE));
            assertThat(errnoOf(rt.deleteRules(List.of(rule)))).isEqualTo(Errno.ENOENT);
        }
    }

    @Test
    void aBatchAttemptsEveryItemAndIndexesTheFailures() {
        Routing rt = routing();
        Link l = upLink(rt, "kdsr-l0");
        Address a = Address.of(l.index(), IpPrefix.host(VIP));
        Address b = Address.of(l.index(), IpPrefix.host(IpPrefix.parseAddress("10.96.0.11")));
        BatchResult r = rt.addAddresses(List.of(a, a, b, b));
        assertThat(r.failures()).extracting(BatchResult.Failure::index).containsExactly(1, 3);
        assertThat(r.failures()).allSatisfy(f -> assertThat(f.error().alreadyExists()).isTrue());
        assertThat(rt.addresses(AddressFamily.INET)).extracting(Address::address).contains(VIP, b.address());
    }

    @Test
    void deletingALinkTakesItsAddressesAndRoutes() {
        Routing rt = routing();
        Link l = upLink(rt, "kdsr-l0");
        rt.addAddresses(List.of(Address.of(l.index(), IpPrefix.host(VIP)))).throwIfFailed();
        rt.deleteLink(l.index());
        assertThat(rt.addresses(AddressFamily.INET)).extracting(Address::address).doesNotContain(VIP);
        assertThat(localRoutesOf(rt, VIP)).isEmpty();
    }
}
