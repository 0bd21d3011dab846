package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.ipvs.FakeIpvsTable;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.FakeRouting;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.Rule;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrRouting;
import io.kubedsr.proxy.dsr.FakePodReceivers;
import io.kubedsr.proxy.dsr.ReceiverSpec;
import io.kubedsr.proxy.dsr.SloppyScheduling;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.FakeNftables;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.RealizedVirtualServer;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;
import io.kubedsr.tunnel.Encapsulation;

/**
 * The service engine's logic on fakes of the kernel that agree with it (the contract tests hold them to the
 * kernel): ownership and adoption, conflicts, drift, partial failures, isolation of a Service that cannot be
 * planned, DSR's order, graceful termination. Seconds, not minutes in the VM.
 */
class SyncEngineTest {
    private static final InetAddress NODE_IP = ip("192.168.1.1");
    private static final NodeInfo NODE = new NodeInfo("node1", List.of(NODE_IP), List.of(NODE_IP));
    private static final ServiceRef OLD = new ServiceRef("default", "old");
    private static final VirtualServerKey SHARED = VirtualServerKey.of(ip("198.51.100.7"), Protocol.TCP, 80);
    private static final VirtualServerKey WEB = VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80);

    private final FakeIpvsTable ipvs = new FakeIpvsTable();
    private final FakeRouting routing = new FakeRouting();
    private final FakeNftables.Kernel nftKernel = new FakeNftables.Kernel();
    private final FakePodReceivers pods = new FakePodReceivers();
    private final MovableClock clock = new MovableClock();
    private ClusterModel model = new ClusterModel();

    /** A clock the test moves (graceful termination's period). */
    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }

    @BeforeEach
    void nodeInterface() {
        Link eth0 = routing.addLink("eth0", new LinkKind.Other("veth"));
        routing.setUp(eth0.index());
        routing.addAddresses(List.of(Address.of(eth0.index(), IpPrefix.parse("192.168.1.1/24")))).throwIfFailed();
    }

    private SyncEngine engine(String... flags) {
        return engine(SloppyScheduling.NONE, flags);
    }

    private SyncEngine engine(SloppyScheduling sloppy, String... flags) {
        String[] all = new String[flags.length + 1];
        all[0] = "--service-external-ip-range=198.51.100.0/24";
        System.arraycopy(flags, 0, all, 1, flags.length);
        SyncEngine e = new SyncEngine(AgentFlags.parse(all),
                new ServiceKernel(ipvs, routing, new FakeNftables(nftKernel), pods, UdpConntrack.NONE, sloppy), clock);
        e.start(NODE);
        return e;
    }

    private ServiceSnapshot snapshot() {
        return new ServiceSnapshot(model, NODE, Set.of(NODE_IP));
    }

    private void put(Object... objects) {
        for (Object o : objects) {
            if (o instanceof Service s) {
                model.putService(s);
            } else {
                model.putSlice((EndpointSlice) o);
            }
        }
    }

    private List<InetAddress> realServersOf(VirtualServerKey key) {
        return ipvs.realServers(key).stream().map(s -> s.server().address()).toList();
    }

    /** The VIPs made local through kube-dummy-if: its local routes (it holds no address). */
    private Set<InetAddress> dummyVips() {
        int dummy = routing.link(SyncEngine.DUMMY_LINK).orElseThrow().index();
        assertThat(routing.addresses(AddressFamily.UNSPEC)).as("no address on the dummy link").noneMatch(a -> a.linkIndex() == dummy);
        return Set.copyOf(localRoutesThrough(dummy).stream().map(r -> r.destination().address()).toList());
    }

    private List<Route> localRoutesThrough(int link) {
        List<Route> out = new ArrayList<>();
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            out.addAll(routing.routes(f, Route.TABLE_LOCAL).stream().filter(r -> r.outputLink() == link && r.type() == RouteType.LOCAL).toList());
        }
        return out;
    }

    private void oldAndYoungShareAnExternalIp() {
        put(TestObjects.service("old", "10.96.0.1", 80, "2025-01-01T00:00:00Z", "198.51.100.7"),
                TestObjects.slice("old", 8080, "node2", "10.244.1.1"),
                TestObjects.service("young", "10.96.0.2", 80, "2026-01-01T00:00:00Z", "198.51.100.7"),
                TestObjects.slice("young", 8080, "node2", "10.244.2.2"));
    }

    @Test
    void aRestartedEngineAdoptsTheKernelStateAndWritesNothing() {
        oldAndYoungShareAnExternalIp();
        SyncResult first = engine().fullResync(snapshot());
        assertThat(first.failures()).isEmpty();
        assertThat(realServersOf(SHARED)).containsExactly(ip("10.244.1.1"));
        assertThat(dummyVips()).containsExactlyInAnyOrder(ip("10.96.0.1"), ip("10.96.0.2"), ip("198.51.100.7"));
        long writes = ipvs.writes() + routing.writes() + nftKernel.writes();
        SyncResult again = engine().fullResync(snapshot());
        assertThat(again.kernelWrites()).isZero();
        assertThat(ipvs.writes() + routing.writes() + nftKernel.writes()).isEqualTo(writes);
    }

    /**
     * The defect: with two Services claiming one virtual server, deleting the holder deleted the IPVS service; the
     * other Service's clients got nothing until the next full resync, five minutes later.
     */
    @Test
    void deletingTheHolderHandsTheVirtualServerOverInTheSameSync() {
        oldAndYoungShareAnExternalIp();
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        model.removeService(TestObjects.service("old", "10.96.0.1", 80, null));
        SyncResult r = engine.syncServices(List.of(OLD), snapshot());
        assertThat(r.failures()).isEmpty();
        assertThat(realServersOf(SHARED)).containsExactly(ip("10.244.2.2"));
        assertThat(dummyVips()).contains(ip("198.51.100.7")).doesNotContain(ip("10.96.0.1"));
    }

    @Test
    void theOlderServiceHoldsTheVirtualServerWhicheverArrivesFirst() {
        put(TestObjects.service("young", "10.96.0.2", 80, "2026-01-01T00:00:00Z", "198.51.100.7"),
                TestObjects.slice("young", 8080, "node2", "10.244.2.2"));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        assertThat(realServersOf(SHARED)).containsExactly(ip("10.244.2.2"));
        put(TestObjects.service("old", "10.96.0.1", 80, "2025-01-01T00:00:00Z", "198.51.100.7"),
                TestObjects.slice("old", 8080, "node2", "10.244.1.1"));
        SyncResult r = engine.syncServices(List.of(OLD), snapshot());
        assertThat(realServersOf(SHARED)).as("incremental").containsExactly(ip("10.244.1.1"));
        assertThat(r.problems()).extracting(Problem::reason).contains("VirtualServerConflict");
        engine.fullResync(snapshot());
        assertThat(realServersOf(SHARED)).as("and the same after a full resync").containsExactly(ip("10.244.1.1"));
    }

    @Test
    void anotherPartysVirtualServersAreLeftAlone() {
        VirtualServerKey keepalived = VirtualServerKey.of(ip("192.0.2.50"), Protocol.TCP, 80);
        ipvs.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(keepalived, Scheduler.WLC)),
                new IpvsOperation.AddVirtualServer(VirtualServer.of(VirtualServerKey.ofFwmark(AddressFamily.INET, 0x20000), Scheduler.RR))));
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1"));
        engine().fullResync(snapshot());
        assertThat(ipvs.virtualServers()).extracting(s -> s.server().key()).contains(keepalived,
                VirtualServerKey.ofFwmark(AddressFamily.INET, 0x20000));
    }

    /** An engine that has fully synced Service web (10.96.0.1:80, {@link #WEB}) with endpoints 10.244.1.1 and .2. */
    private SyncEngine webOfTwoEndpointsSynced() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1", "10.244.1.2"));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        return engine;
    }

    @Test
    void aFullResyncRepairsDriftWithOneWrite() {
        SyncEngine engine = webOfTwoEndpointsSynced();
        ipvs.apply(List.of(new IpvsOperation.DeleteRealServer(WEB, RealServer.of(ip("10.244.1.2"), 8080, Forwarding.MASQUERADE, 1).key())));
        assertThat(engine.syncServices(List.of(), snapshot()).kernelWrites()).as("an incremental sync does not look").isZero();
        SyncResult repaired = engine.fullResync(snapshot());
        assertThat(repaired.ipvsOperations()).isEqualTo(1);
        assertThat(realServersOf(WEB)).containsExactlyInAnyOrder(ip("10.244.1.1"), ip("10.244.1.2"));
    }

    @Test
    void whatTheKernelHoldsAsWantedIsCachedAsTheTablesOwnInstancesAfterADumpOrAVerification() {
        SyncEngine engine = webOfTwoEndpointsSynced();
        // Nothing to write in either: the cache keeps what the dump decoded, equal to the table's but other objects.
        assertThat(engine.fullResync(snapshot()).kernelWrites()).isZero();
        assertSharesTheTablesInstances(engine, WEB);
        assertThat(verifyAll(engine)).allSatisfy(r -> assertThat(r.kernelWrites()).isZero());
        assertSharesTheTablesInstances(engine, WEB);
    }

    private static void assertSharesTheTablesInstances(SyncEngine engine, VirtualServerKey key) {
        DesiredVirtualServer want = engine.desired(key);
        RealizedVirtualServer have = engine.realized().get(key);
        assertThat(have.server()).isSameAs(want.server());
        assertThat(have.realServers()).hasSize(2).allSatisfy(s -> assertThat(want.realServers())
                .anySatisfy(rs -> assertThat(s.server()).isSameAs(rs)));
    }

    /** Runs a verification to its end, one virtual server batch per step; returns the steps' results. */
    private static List<SyncResult> verifyAll(SyncEngine engine) {
        List<SyncResult> steps = new ArrayList<>();
        steps.add(engine.verify(true, Duration.ZERO));
        while (steps.get(steps.size() - 1).verificationLeft() > 0) {
            steps.add(engine.verify(false, Duration.ZERO));
        }
        return steps;
    }

    @Test
    void theStepwiseVerificationRepairsDriftAndWritesNothingWhenThereIsNone() {
        for (int i = 1; i <= 70; i++) { // more than one batch
            put(TestObjects.service("s" + i, "10.96.1." + i, 80, null), TestObjects.slice("s" + i, 8080, "node2", "10.244.1." + i));
        }
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        List<SyncResult> clean = verifyAll(engine);
        assertThat(clean).as("steps").hasSizeGreaterThan(1);
        assertThat(clean).allSatisfy(r -> assertThat(r.kernelWrites()).isZero());

        VirtualServerKey s5 = VirtualServerKey.of(ip("10.96.1.5"), Protocol.TCP, 80);
        VirtualServerKey s69 = VirtualServerKey.of(ip("10.96.1.69"), Protocol.TCP, 80);
        ipvs.apply(List.of(new IpvsOperation.DeleteRealServer(s5, RealServer.of(ip("10.244.1.5"), 8080, Forwarding.MASQUERADE, 1).key()),
                new IpvsOperation.DeleteVirtualServer(s69)));
        int dummy = routing.link(SyncEngine.DUMMY_LINK).orElseThrow().index();
        routing.deleteRoutes(List.of(Route.to(IpPrefix.host(ip("10.96.1.7"))).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL)
                .withOutputLink(dummy))).throwIfFailed();
        List<SyncResult> repair = verifyAll(engine);
        assertThat(repair.stream().mapToInt(SyncResult::ipvsOperations).sum()).as("one real server, one virtual server with its real server")
                .isEqualTo(3);
        assertThat(repair.get(0).addressOperations()).as("the VIP's route, in the first step").isEqualTo(1);
        assertThat(realServersOf(s5)).containsExactly(ip("10.244.1.5"));
        assertThat(realServersOf(s69)).containsExactly(ip("10.244.1.69"));
        assertThat(dummyVips()).contains(ip("10.96.1.7"));
        assertThat(verifyAll(engine)).allSatisfy(r -> assertThat(r.kernelWrites()).isZero());
    }

    @Test
    void aVirtualServerWrittenBetweenStepsIsNotReadBackAndAnOrphanIsRemoved() {
        for (int i = 1; i <= 70; i++) {
            put(TestObjects.service("s" + i, "10.96.1." + i, 80, null), TestObjects.slice("s" + i, 8080, "node2", "10.244.1." + i));
        }
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        // An orphan: a virtual server on a VIP of ours that the table does not want (its Service gone unseen).
        VirtualServerKey orphan = VirtualServerKey.of(ip("10.96.1.1"), Protocol.TCP, 8443);
        ipvs.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(orphan, Scheduler.RR))));
        SyncResult first = engine.verify(true, Duration.ZERO);
        assertThat(first.verificationLeft()).isPositive();
        put(TestObjects.slice("s70", 8080, "node2", "10.244.1.70", "10.244.2.70"));
        SyncResult change = engine.syncServices(List.of(new ServiceRef("default", "s70")), snapshot());
        assertThat(change.ipvsOperations()).isEqualTo(1);
        assertThat(change.verificationLeft()).as("s70 leaves the queue, unless the first step read it")
                .isBetween(first.verificationLeft() - 1, first.verificationLeft());
        List<SyncResult> rest = new ArrayList<>();
        while (rest.isEmpty() || rest.get(rest.size() - 1).verificationLeft() > 0) {
            rest.add(engine.verify(false, Duration.ZERO));
        }
        assertThat(first.ipvsOperations() + rest.stream().mapToInt(SyncResult::ipvsOperations).sum()).as("the orphan deleted, nothing else")
                .isEqualTo(1);
        assertThat(ipvs.virtualServers()).extracting(v -> v.server().key()).doesNotContain(orphan);
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.1.70"), Protocol.TCP, 80))).hasSize(2);
    }

    @Test
    void aSchedulerTheKernelLacksIsAProblemOfThatServiceOnly() {
        ipvs.withoutScheduler("sh");
        put(TestObjects.annotated(TestObjects.service("hashed", "10.96.0.1", 80, null),
                Map.of("kube-router.io/service.scheduler", "sh")), TestObjects.slice("hashed", 8080, "node2", "10.244.1.1"),
                TestObjects.service("web", "10.96.0.2", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.2.2"));
        SyncResult r = engine().fullResync(snapshot());
        assertThat(r.partialFailure()).as("the sync loop repairs it with a backed-off full resync").isTrue();
        assertThat(r.problems()).filteredOn(p -> p.reason().equals("KernelError")).extracting(Problem::service)
                .containsOnly(new ServiceRef("default", "hashed"));
        // One problem, the refusal itself: not also the ESRCH its real server's add then gets (one Event, saying why).
        assertThat(r.problems()).filteredOn(p -> p.reason().equals("KernelError")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("AddVirtualServer", "ENOENT"));
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.2"), Protocol.TCP, 80))).containsExactly(ip("10.244.2.2"));
    }

    @Test
    void aServiceThatCannotBePlannedKeepsWhatItHadAndTheOthersAreServed() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1"),
                TestObjects.service("other", "10.96.0.2", 80, null));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        Service broken = TestObjects.service("web", "10.96.0.1", 80, null);
        broken.setSpec(new ServiceSpec() {
            @Override
            public String getType() {
                throw new IllegalStateException("a bug in reading the Service");
            }
        });
        put(broken, TestObjects.service("other", "10.96.0.2", 80, null), TestObjects.slice("other", 8080, "node2", "10.244.2.2"));
        SyncResult r = engine.syncServices(List.of(new ServiceRef("default", "web"), new ServiceRef("default", "other")), snapshot());
        assertThat(r.problems()).extracting(Problem::service, Problem::reason)
                .contains(org.assertj.core.groups.Tuple.tuple(new ServiceRef("default", "web"), "PlanningFailed"));
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80))).as("kept").containsExactly(ip("10.244.1.1"));
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.2"), Protocol.TCP, 80))).containsExactly(ip("10.244.2.2"));
        assertThat(engine.fullResync(snapshot()).problems()).extracting(Problem::reason).contains("PlanningFailed");
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80))).as("a full resync too").hasSize(1);
    }

    @Test
    void anIpv4VipsLocalRouteTakesTheNodesAddressAndLeavesWithIt() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.service("db", "10.96.0.2", 80, null));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        assertThat(routing.routes(AddressFamily.INET, Route.TABLE_LOCAL)).filteredOn(r -> r.destination().equals(IpPrefix.host(ip("10.96.0.1"))))
                .singleElement().satisfies(r -> assertThat(r.source()).isEqualTo(NODE_IP));
        model.removeService(TestObjects.service("web", "10.96.0.1", 80, null));
        engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(routing.routes(AddressFamily.INET, Route.TABLE_LOCAL)).noneMatch(r -> r.destination().equals(IpPrefix.host(ip("10.96.0.1"))));
        assertThat(dummyVips()).containsExactly(ip("10.96.0.2"));
    }

    @Test
    void kubeRoutersVipAddressesGiveWayToRoutesAndTheirStaleVirtualServersAreRemoved() {
        // What kube-router leaves: the dummy link with VIP addresses, their routes given the node's source, and the
        // virtual server of a Service deleted since.
        Link dummy = routing.addLink(SyncEngine.DUMMY_LINK, new LinkKind.Dummy());
        routing.setUp(dummy.index());
        for (String vip : List.of("10.96.0.1", "10.96.0.9")) {
            routing.addAddresses(List.of(Address.of(dummy.index(), IpPrefix.host(ip(vip))))).throwIfFailed();
            routing.replaceRoutes(List.of(Route.to(IpPrefix.host(ip(vip))).withTable(Route.TABLE_LOCAL).withType(RouteType.LOCAL)
                    .withScope(RouteScope.HOST).withProtocol(2).withOutputLink(dummy.index()).withSource(NODE_IP))).throwIfFailed();
        }
        VirtualServerKey gone = VirtualServerKey.of(ip("10.96.0.9"), Protocol.TCP, 80);
        ipvs.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(gone, Scheduler.RR))));
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1"));

        SyncResult r = engine().fullResync(snapshot());
        assertThat(r.failures()).isEmpty();
        assertThat(dummyVips()).containsExactly(ip("10.96.0.1"));
        assertThat(localRoutesThrough(dummy.index())).singleElement().satisfies(route -> assertThat(route.source()).isEqualTo(NODE_IP));
        assertThat(ipvs.virtualServers()).extracting(v -> v.server().key()).as("kube-router's VIP made it ours").doesNotContain(gone);
        assertThat(engine().fullResync(snapshot()).kernelWrites()).as("and a restart adopts the routes").isZero();
    }

    @Test
    void aVipThatIsAlreadyLocalThroughAnotherLinkIsLeftToThatRoute() {
        Link eth1 = routing.addLink("eth1", new LinkKind.Other("veth"));
        routing.setUp(eth1.index());
        routing.addAddresses(List.of(Address.of(eth1.index(), IpPrefix.parse("198.51.100.9/24")))).throwIfFailed();
        put(TestObjects.service("web", "10.96.0.1", 80, null, "198.51.100.9"), TestObjects.slice("web", 8080, "node2", "10.244.1.1"));
        SyncEngine engine = engine();
        assertThat(engine.fullResync(snapshot()).failures()).isEmpty();
        assertThat(dummyVips()).containsExactly(ip("10.96.0.1"));
        assertThat(ipvs.virtualServers()).extracting(v -> v.server().key()).contains(VirtualServerKey.of(ip("198.51.100.9"), Protocol.TCP, 80));
        assertThat(engine.fullResync(snapshot()).kernelWrites()).isZero();
        model.removeService(TestObjects.service("web", "10.96.0.1", 80, null));
        engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(localRoutesThrough(eth1.index())).as("the address's own route stays")
                .anySatisfy(route -> assertThat(route.destination()).isEqualTo(IpPrefix.host(ip("198.51.100.9"))));
    }

    @Test
    void anIpv6VipIsALocalRouteWithTheNodesIpv6Source() {
        InetAddress node6 = ip("fd00:1::1");
        int eth0 = routing.link("eth0").orElseThrow().index();
        routing.addAddresses(List.of(new Address(eth0, IpPrefix.parse("fd00:1::1/64"), RouteScope.UNIVERSE, true))).throwIfFailed();
        NodeInfo dual = new NodeInfo("node1", List.of(NODE_IP, node6), List.of(NODE_IP, node6));
        put(new ServiceBuilder(TestObjects.service("web", "10.96.0.1", 80, null)).editSpec()
                .withClusterIPs("10.96.0.1", "fd00:96::1").endSpec().build());
        SyncEngine e = new SyncEngine(AgentFlags.parse(new String[] {"--enable-ipv6=true"}),
                new ServiceKernel(ipvs, routing, new FakeNftables(nftKernel), pods, UdpConntrack.NONE), clock);
        e.start(dual);
        e.fullResync(new ServiceSnapshot(model, dual, Set.of()));
        int dummy = routing.link(SyncEngine.DUMMY_LINK).orElseThrow().index();
        assertThat(localRoutesThrough(dummy)).filteredOn(r -> r.family() == AddressFamily.INET6).singleElement().satisfies(r -> {
            assertThat(r.destination()).isEqualTo(IpPrefix.host(ip("fd00:96::1")));
            assertThat(r.source()).isEqualTo(node6);
        });
        assertThat(e.fullResync(new ServiceSnapshot(model, dual, Set.of())).kernelWrites()).isZero();
    }

    private Service dsr(String name, String externalIp) {
        return dsr(name, externalIp, "gue");
    }

    private Service dsr(String name, String externalIp, String encap) {
        return TestObjects.annotated(TestObjects.service(name, "10.96.0.1", 80, null, externalIp),
                Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", encap));
    }

    /**
     * Switching a DSR Service's encapsulation by annotation: each real server is edited in place (IPVS refuses
     * every delete and add here, so one would fail the sync), its connections stay, and the receivers are not
     * touched: they took both encapsulations before the switch and still do.
     */
    @Test
    void switchingADsrServicesEncapsulationEditsItsRealServersInPlaceAndLeavesTheReceiversAlone() {
        pods.createPod(ip("10.244.1.5"));
        put(dsr("web", "198.51.100.10", "ipip"), TestObjects.slice("web", 80, "node1", "10.244.1.5"));
        SyncEngine engine = engine("--overlay-encap-receive-ports=6666");
        engine.fullResync(snapshot());
        VirtualServerKey fwmark = ipvs.virtualServers().stream().map(s -> s.server().key())
                .filter(k -> k instanceof VirtualServerKey.ByFwmark).findFirst().orElseThrow();
        RealServer ipip = RealServer.of(ip("10.244.1.5"), 80, Forwarding.ipip(), 1);
        assertThat(ipvs.realServers(fwmark)).extracting(RealServerStatus::server).containsExactly(ipip);
        ReceiverSpec both = new ReceiverSpec(Set.of(ip("198.51.100.10")), Set.of(5555, 6666));
        assertThat(pods.read(ip("10.244.1.5"))).as("an IPIP Service's receiver takes GUE too").contains(both);
        String nftBefore = nftKernel.table();
        ipvs.setConnections(fwmark, ipip.key(), 5, 1);
        ipvs.refuse(op -> op instanceof IpvsOperation.AddRealServer || op instanceof IpvsOperation.DeleteRealServer
                || op instanceof IpvsOperation.DeleteVirtualServer, io.kubedsr.netlink.Errno.EPERM);
        long receiverWrites = pods.writes();

        for (String encap : List.of("gue", "ipip", "gue")) {
            put(dsr("web", "198.51.100.10", encap));
            SyncResult r = engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
            assertThat(r.failures()).as("no delete or add was tried").isEmpty();
            assertThat(r.ipvsOperations()).as("one edit").isEqualTo(1);
            Forwarding wanted = encap.equals("gue") ? Forwarding.gue(5555) : Forwarding.ipip();
            assertThat(ipvs.realServers(fwmark)).singleElement().satisfies(st -> {
                assertThat(st.server().forwarding()).isEqualTo(wanted);
                assertThat(st.activeConnections()).as("its connections stay").isEqualTo(5);
            });
        }
        assertThat(pods.writes()).as("receivers untouched").isEqualTo(receiverWrites);
        assertThat(pods.read(ip("10.244.1.5"))).contains(both);
        assertThat(nftKernel.table()).as("the MSS clamp is GUE's for every DSR Service: nothing to rewrite").isEqualTo(nftBefore);
    }

    @Test
    void aDsrServiceGetsItsMarkRuleAndReceiverAndLeavesNothingBehind() {
        pods.createPod(ip("10.244.1.5"));
        put(dsr("web", "198.51.100.10"), TestObjects.slice("web", 80, "node1", "10.244.1.5"));
        SyncEngine engine = engine("--overlay-encap=fou");
        SyncResult r = engine.fullResync(snapshot());
        assertThat(r.failures()).isEmpty();
        assertThat(r.dsrServices()).isTrue();
        VirtualServerStatus fwmark = ipvs.virtualServers().stream().filter(s -> s.server().key() instanceof VirtualServerKey.ByFwmark)
                .findFirst().orElseThrow();
        int mark = ((VirtualServerKey.ByFwmark) fwmark.server().key()).fwmark();
        assertThat(ipvs.realServers(fwmark.server().key())).extracting(RealServerStatus::server)
                .containsExactly(RealServer.of(ip("10.244.1.5"), 80, Forwarding.gue(5555), 1));
        assertThat(routing.rules(AddressFamily.INET)).contains(Rule.fwmark(AddressFamily.INET, DsrRouting.RULE_PRIORITY, mark, DsrRouting.TABLE));
        assertThat(routing.routes(AddressFamily.INET, DsrRouting.TABLE)).singleElement().satisfies(x -> assertThat(x.type()).isEqualTo(RouteType.LOCAL));
        assertThat(pods.read(ip("10.244.1.5"))).contains(new ReceiverSpec(Set.of(ip("198.51.100.10")), Set.of(5555)));
        assertThat(new FakeNftables(nftKernel).dsrMarks()).containsValue(mark);
        assertThat(dummyVips()).as("a DSR VIP is no address of the director").doesNotContain(ip("198.51.100.10"));
        assertThat(verifyAll(engine)).as("a verification finds it all in place").allSatisfy(v -> assertThat(v.kernelWrites()).isZero());
        assertThat(pods.read(ip("10.244.1.5"))).isNotEmpty();

        model = new ClusterModel();
        engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(ipvs.virtualServers()).isEmpty();
        assertThat(routing.rules(AddressFamily.INET)).noneMatch(x -> x.table() == DsrRouting.TABLE);
        assertThat(routing.routes(AddressFamily.INET, DsrRouting.TABLE)).isEmpty();
        assertThat(pods.read(ip("10.244.1.5"))).isEmpty();
        assertThat(new FakeNftables(nftKernel).dsrMarks()).isEmpty();
    }

    @Test
    void aPodWhoseReceiverFailsGetsNoDsrTrafficAndItsServiceAProblem() {
        pods.createPod(ip("10.244.1.5")); // 10.244.1.6 has no namespace on this node
        put(dsr("web", "198.51.100.10"), TestObjects.slice("web", 80, "node1", "10.244.1.5", "10.244.1.6"));
        SyncEngine engine = engine();
        SyncResult r = engine.fullResync(snapshot());
        assertThat(r.problems()).extracting(Problem::reason).contains("DsrReceiverFailed");
        VirtualServerKey fwmark = ipvs.virtualServers().stream().map(s -> s.server().key())
                .filter(k -> k instanceof VirtualServerKey.ByFwmark).findFirst().orElseThrow();
        assertThat(realServersOf(fwmark)).containsExactly(ip("10.244.1.5"));
        List<SyncResult> verified = verifyAll(engine);
        assertThat(verified.get(0).problems()).as("the verification's DSR pass, as a full resync's").extracting(Problem::reason)
                .contains("DsrReceiverFailed");
        assertThat(verified).allSatisfy(v -> assertThat(v.ipvsOperations()).isZero());
        assertThat(realServersOf(fwmark)).containsExactly(ip("10.244.1.5"));
    }

    /**
     * A node whose kernel has no fou module: its receivers take IPIP only, not failing (an IPIP Service keeps its
     * local pod), a GUE Service loses the pod with a problem naming the module, and once the module is there the
     * next full sync opens the GUE ports and gives the pod back.
     */
    @Test
    void withoutTheFouModuleReceiversTakeIpipOnlyAndGueServicesLoseTheLocalPodUntilItIsLoaded() {
        pods.withoutFou().createPod(ip("10.244.1.5"));
        put(TestObjects.annotated(TestObjects.service("plain", "10.96.0.1", 80, null, "198.51.100.10"),
                        Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", "ipip")),
                TestObjects.slice("plain", 80, "node1", "10.244.1.5"),
                TestObjects.annotated(TestObjects.service("udp", "10.96.0.2", 80, null, "198.51.100.11"),
                        Map.of("kube-router.io/service.dsr", "tunnel", "kube-dsr.io/service.dsr-encap", "gue")),
                TestObjects.slice("udp", 80, "node1", "10.244.1.5"));
        SyncEngine engine = engine();
        SyncResult r = engine.fullResync(snapshot());

        assertThat(pods.read(ip("10.244.1.5"))).as("IPIP only, and no failure")
                .contains(new ReceiverSpec(Set.of(ip("198.51.100.10"), ip("198.51.100.11")), Set.of()));
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.service().name()).isEqualTo("udp");
            assertThat(p.message()).contains("no fou module");
        });
        assertThat(realServersOf(dsrKey("198.51.100.10"))).containsExactly(ip("10.244.1.5"));
        assertThat(realServersOf(dsrKey("198.51.100.11"))).isEmpty();

        pods.loadFou();
        r = engine.fullResync(snapshot());
        assertThat(r.problems()).isEmpty();
        assertThat(pods.read(ip("10.244.1.5"))).contains(new ReceiverSpec(Set.of(ip("198.51.100.10"), ip("198.51.100.11")), Set.of(5555)));
        assertThat(realServersOf(dsrKey("198.51.100.11"))).containsExactly(ip("10.244.1.5"));
        assertThat(realServersOf(dsrKey("198.51.100.10"))).containsExactly(ip("10.244.1.5"));
    }

    /** The fwmark virtual server of a DSR VIP's TCP port 80, by the mark nftables gives it. */
    private VirtualServerKey dsrKey(String vip) {
        int mark = new FakeNftables(nftKernel).dsrMarks().get(VirtualServerKey.of(ip(vip), Protocol.TCP, 80));
        return new VirtualServerKey.ByFwmark(AddressFamily.INET, mark);
    }

    private static Service maglev(Service dsr) {
        return TestObjects.annotated(dsr, Map.of("kube-router.io/service.scheduler", "mh"));
    }

    private VirtualServerKey fwmarkKey() {
        return ipvs.virtualServers().stream().map(s -> s.server().key()).filter(k -> k instanceof VirtualServerKey.ByFwmark)
                .findFirst().orElseThrow();
    }

    @Test
    void anMhDsrServiceTurnsSloppySchedulingOnAndBackOffWhenItGoes() {
        List<Boolean> asked = new java.util.ArrayList<>();
        SloppyScheduling sloppy = wanted -> {
            asked.add(wanted);
            return 0;
        };
        pods.createPod(ip("10.244.1.5"));
        put(maglev(dsr("web", "198.51.100.10")), TestObjects.slice("web", 80, "node1", "10.244.1.5"));
        SyncEngine engine = engine(sloppy);
        engine.fullResync(snapshot());
        assertThat(asked).containsExactly(true);
        put(dsr("web", "198.51.100.10")); // rr again
        engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(asked).containsExactly(true, false);
    }

    @Test
    void anMhDsrServiceKeepsItsRealServersInOneOrderWhateverTheirHistory() {
        for (int i = 5; i <= 10; i++) {
            pods.createPod(ip("10.244.1." + i));
        }
        put(maglev(dsr("web", "198.51.100.10")), TestObjects.slice("web", 80, "node1", "10.244.1.6", "10.244.1.7", "10.244.1.8",
                "10.244.1.9"));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        // The new pod sorts first: the four already there are re-added behind it.
        put(TestObjects.slice("web", 80, "node1", "10.244.1.5", "10.244.1.6", "10.244.1.7", "10.244.1.8", "10.244.1.9"));
        engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(realServersOf(fwmarkKey())).containsExactly(ip("10.244.1.9"), ip("10.244.1.8"), ip("10.244.1.7"),
                ip("10.244.1.6"), ip("10.244.1.5"));
        // One that sorts last goes to the head: one add to the DSR virtual server (and one to the cluster IP's), if
        // the engine's idea of the order is the kernel's.
        put(TestObjects.slice("web", 80, "node1", "10.244.1.5", "10.244.1.6", "10.244.1.7", "10.244.1.8", "10.244.1.9",
                "10.244.1.10"));
        assertThat(engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot()).ipvsOperations()).isEqualTo(2);
        assertThat(realServersOf(fwmarkKey())).containsExactly(ip("10.244.1.10"), ip("10.244.1.9"), ip("10.244.1.8"),
                ip("10.244.1.7"), ip("10.244.1.6"), ip("10.244.1.5"));
        assertThat(engine.fullResync(snapshot()).ipvsOperations()).isZero();
    }

    @Test
    void anMhDsrPodWhoseReceiverFailsStaysARealServerAsOnEveryOtherNode() {
        pods.createPod(ip("10.244.1.5")); // 10.244.1.6 has no namespace on this node
        put(maglev(dsr("web", "198.51.100.10")), TestObjects.slice("web", 80, "node1", "10.244.1.5", "10.244.1.6"));
        SyncResult r = engine().fullResync(snapshot());
        assertThat(r.problems()).extracting(Problem::reason).contains("DsrReceiverFailed");
        assertThat(realServersOf(fwmarkKey())).containsExactlyInAnyOrder(ip("10.244.1.5"), ip("10.244.1.6"));
    }

    @Test
    void aRestartKeepsEveryDsrMark() {
        pods.createPod(ip("10.244.1.5"));
        put(dsr("web", "198.51.100.10"), TestObjects.slice("web", 80, "node1", "10.244.1.5"),
                dsr("api", "198.51.100.11"), TestObjects.slice("api", 80, "node1", "10.244.1.5"));
        engine().fullResync(snapshot());
        Map<VirtualServerKey.ByAddress, Integer> marks = new FakeNftables(nftKernel).dsrMarks();
        assertThat(engine().fullResync(snapshot()).kernelWrites()).isZero();
        assertThat(new FakeNftables(nftKernel).dsrMarks()).isEqualTo(marks);
    }

    @Test
    void whenNftablesRefusesIpvsIsStillProgrammedAndTheSyncFails() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1"));
        nftKernel.refuseNext("Error: Could not process rule");
        SyncEngine engine = engine();
        assertThatThrownBy(() -> engine.fullResync(snapshot())).hasMessageContaining("Could not process rule");
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80))).containsExactly(ip("10.244.1.1"));
        assertThat(engine.fullResync(snapshot()).failures()).isEmpty();
        assertThat(nftKernel.table()).contains("10.96.0.1");
    }

    @Test
    void aRemovedEndpointDrainsAndGoesWhenIdleOrAfterThePeriod() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1", "10.244.1.2"));
        SyncEngine engine = engine("--ipvs-graceful-termination", "--ipvs-graceful-period=30s");
        engine.fullResync(snapshot());
        VirtualServerKey web = VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80);
        RealServer leaving = RealServer.of(ip("10.244.1.2"), 8080, Forwarding.MASQUERADE, 1);
        ipvs.setConnections(web, leaving.key(), 3, 0);
        put(TestObjects.slice("web", 8080, "node2", "10.244.1.1"));
        SyncResult r = engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(r.draining()).isEqualTo(1);
        assertThat(ipvs.realServers(web)).extracting(RealServerStatus::server).contains(leaving.withWeight(0));
        assertThat(engine.refreshDraining().draining()).as("still busy").isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(engine.refreshDraining().draining()).isZero();
        assertThat(realServersOf(web)).containsExactly(ip("10.244.1.1"));
    }

    /** Every virtual server and real server of a table, sorted: what two tables are compared by. */
    private static List<String> contents(FakeIpvsTable table) {
        List<String> out = new java.util.ArrayList<>();
        for (VirtualServerStatus vs : table.virtualServers()) {
            out.add(vs.server().toString());
            table.realServers(vs.server().key()).forEach(r -> out.add(vs.server().key() + " -> " + r.server()));
        }
        out.sort(null);
        return out;
    }

    private void manyServices(int count) {
        for (int i = 0; i < count; i++) {
            String name = "svc-" + i;
            put(TestObjects.service(name, "10.97." + (i >> 8) + "." + (i & 0xFF), 80, null),
                    TestObjects.slice(name, 8080, "node2", "10.244.3." + (1 + i % 250)));
        }
    }

    /**
     * ENOBUFS: the acknowledgements of a batch were lost, so which of its writes were done is unknown. The sync fails
     * (the loop's backed-off full resync follows), the Services already served are untouched, and that full resync
     * leaves IPVS exactly as a clean engine makes it.
     */
    @Test
    void lostAcknowledgementsFailTheSyncLeaveTheOthersServedAndTheNextFullSyncRepairsEverything() {
        put(TestObjects.service("web", "10.96.0.1", 80, null), TestObjects.slice("web", 8080, "node2", "10.244.1.1"));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        manyServices(600);
        List<ServiceRef> added = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            added.add(new ServiceRef("default", "svc-" + i));
        }
        ipvs.overflowAcknowledgements(true);
        assertThatThrownBy(() -> engine.syncServices(added, snapshot())).isInstanceOfSatisfying(io.kubedsr.netlink.NetlinkException.class,
                e -> assertThat(e.errno()).isEqualTo(io.kubedsr.netlink.Errno.ENOBUFS));
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80))).containsExactly(ip("10.244.1.1"));
        ipvs.overflowAcknowledgements(false);

        SyncResult repaired = engine.fullResync(snapshot());
        assertThat(repaired.failures()).isEmpty();
        FakeIpvsTable clean = new FakeIpvsTable();
        SyncEngine cleanEngine = new SyncEngine(AgentFlags.parse(new String[] {"--service-external-ip-range=198.51.100.0/24"}),
                new ServiceKernel(clean, cleanRouting(), new FakeNftables(new FakeNftables.Kernel()), new FakePodReceivers(),
                        UdpConntrack.NONE), clock);
        cleanEngine.start(NODE);
        cleanEngine.fullResync(snapshot());
        assertThat(contents(ipvs)).isEqualTo(contents(clean)).hasSize(601 * 2);
    }

    private static FakeRouting cleanRouting() {
        FakeRouting r = new FakeRouting();
        Link eth0 = r.addLink("eth0", new LinkKind.Other("veth"));
        r.setUp(eth0.index());
        r.addAddresses(List.of(Address.of(eth0.index(), IpPrefix.parse("192.168.1.1/24")))).throwIfFailed();
        return r;
    }

    /**
     * The pod behind a new DSR endpoint is deleted before its receiver is made (the kubelet is faster than the
     * EndpointSlice): that pod gets no DSR traffic and its Service a problem, the other pod and Services stay served,
     * and once the pod is back (or the slice drops it) the next sync is clean.
     */
    @Test
    void aDsrPodDeletedBeforeItsReceiverIsMadeGetsNoTrafficAndTheNextSyncRecovers() {
        pods.createPod(ip("10.244.1.5"));
        put(dsr("web", "198.51.100.10"), TestObjects.slice("web", 80, "node1", "10.244.1.5"),
                TestObjects.service("other", "10.96.0.2", 80, null), TestObjects.slice("other", 8080, "node2", "10.244.2.2"));
        SyncEngine engine = engine();
        engine.fullResync(snapshot());
        VirtualServerKey fwmark = ipvs.virtualServers().stream().map(s -> s.server().key())
                .filter(k -> k instanceof VirtualServerKey.ByFwmark).findFirst().orElseThrow();

        pods.createPod(ip("10.244.1.6"));
        pods.deletePod(ip("10.244.1.6")); // gone again before the slice that names it is synced
        put(TestObjects.slice("web", 80, "node1", "10.244.1.5", "10.244.1.6"));
        SyncResult r = engine.syncServices(List.of(new ServiceRef("default", "web")), snapshot());
        assertThat(r.problems()).filteredOn(p -> p.reason().equals("DsrReceiverFailed")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("10.244.1.6"));
        assertThat(realServersOf(fwmark)).containsExactly(ip("10.244.1.5"));
        assertThat(pods.read(ip("10.244.1.5"))).isPresent();
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.2"), Protocol.TCP, 80))).containsExactly(ip("10.244.2.2"));

        pods.createPod(ip("10.244.1.6")); // a new pod with the same IP
        SyncResult next = engine.fullResync(snapshot());
        assertThat(next.problems()).isEmpty();
        assertThat(realServersOf(fwmark)).containsExactlyInAnyOrder(ip("10.244.1.5"), ip("10.244.1.6"));
        assertThat(pods.read(ip("10.244.1.6"))).isPresent();
    }

    @Test
    void aMissingSchedulerModuleIsRepairedByTheFirstFullSyncOnceTheModuleIsThere() {
        ipvs.withoutScheduler("sh");
        put(TestObjects.annotated(TestObjects.service("hashed", "10.96.0.1", 80, null),
                Map.of("kube-router.io/service.scheduler", "sh")), TestObjects.slice("hashed", 8080, "node2", "10.244.1.1"));
        SyncEngine engine = engine();
        assertThat(engine.fullResync(snapshot()).partialFailure()).isTrue();
        assertThat(engine.fullResync(snapshot()).partialFailure()).as("still missing: the loop backs off").isTrue();
        ipvs.withScheduler("sh");
        SyncResult r = engine.fullResync(snapshot());
        assertThat(r.partialFailure()).isFalse();
        assertThat(r.problems()).isEmpty();
        assertThat(realServersOf(VirtualServerKey.of(ip("10.96.0.1"), Protocol.TCP, 80))).containsExactly(ip("10.244.1.1"));
    }

    // ---- kube-proxy parity (issue #17) ----

    private static final VirtualServerKey LB = VirtualServerKey.of(ip("203.0.113.7"), Protocol.TCP, 80);

    private SyncEngine lbEngine(String... flags) {
        String[] all = new String[flags.length + 1];
        all[0] = "--loadbalancer-ip-range=203.0.113.0/24";
        System.arraycopy(flags, 0, all, 1, flags.length);
        return engine(all);
    }

    /** The elements of one set or map of the table the fake kernel holds. */
    private String nftBlock(String name) {
        String table = nftKernel.table();
        int start = table.indexOf(" " + name + " {");
        return table.substring(start, table.indexOf("\n  }", start));
    }

    /**
     * The defect: spec.loadBalancerSourceRanges was ignored, so a LoadBalancer Service limited to an office range was
     * open to the world. Now the LoadBalancer IP's port is in the firewall set and only the ranges are allowed; a
     * change of the ranges alone rewrites the table.
     */
    @Test
    void loadBalancerSourceRangesBecomeTheFirewallSetsAndFollowTheService() {
        Service office = TestObjects.withSpec(TestObjects.loadBalancer("office", "10.96.0.7", 80, 30080, "203.0.113.7"),
                spec -> spec.setLoadBalancerSourceRanges(List.of("10.0.0.0/8")));
        put(office, TestObjects.slice("office", 8080, "node2", "10.244.2.7"));
        SyncEngine engine = lbEngine();
        engine.fullResync(snapshot());
        assertThat(nftBlock("firewall4")).contains("elements = { 203.0.113.7 . tcp . 80 }");
        assertThat(nftBlock("allowed4")).contains("elements = { 203.0.113.7 . tcp . 80 . 10.0.0.0/8 }");
        assertThat(realServersOf(LB)).containsExactly(ip("10.244.2.7"));

        int writes = nftKernel.writes();
        put(TestObjects.withSpec(office, spec -> spec.setLoadBalancerSourceRanges(List.of("172.16.0.0/12"))));
        engine.syncServices(List.of(new ServiceRef("default", "office")), snapshot());
        assertThat(nftKernel.writes()).isEqualTo(writes + 1);
        assertThat(nftBlock("allowed4")).contains("203.0.113.7 . tcp . 80 . 172.16.0.0/12").doesNotContain("10.0.0.0/8");

        put(TestObjects.withSpec(office, spec -> spec.setLoadBalancerSourceRanges(List.of())));
        engine.syncServices(List.of(new ServiceRef("default", "office")), snapshot());
        assertThat(nftBlock("firewall4")).as("no ranges: open").doesNotContain("203.0.113.7");
    }

    /**
     * The defect: with externalTrafficPolicy Local and no local endpoint, the node's own clients and its pods calling
     * the LoadBalancer IP got an empty virtual server. Now outside traffic still finds no local endpoint, and
     * in-cluster traffic is marked for a fwmark virtual server with every cluster endpoint; a restart keeps its mark.
     */
    @Test
    void externalTrafficPolicyLocalShortCircuitsInClusterTrafficToEveryEndpoint() {
        Service ingress = TestObjects.withSpec(TestObjects.loadBalancer("ingress", "10.96.0.9", 80, 30090, "203.0.113.7"),
                spec -> spec.setExternalTrafficPolicy("Local"));
        put(ingress, TestObjects.slice("ingress", 8080, "node2", "10.244.2.9"));
        lbEngine().fullResync(snapshot());
        assertThat(realServersOf(LB)).as("outside traffic: this node has no endpoint").isEmpty();
        VirtualServerKey.ByFwmark shortCircuit = (VirtualServerKey.ByFwmark) ipvs.virtualServers().stream()
                .map(v -> v.server().key()).filter(k -> k instanceof VirtualServerKey.ByFwmark).findFirst().orElseThrow();
        assertThat(shortCircuit.fwmark() & 0x4000).as("the masquerade bit").isEqualTo(0x4000);
        assertThat(realServersOf(shortCircuit)).containsExactly(ip("10.244.2.9"));
        String mark = String.format("0x%08x", shortCircuit.fwmark());
        assertThat(nftBlock("short4")).contains("203.0.113.7 . tcp . 80 : " + mark).contains("192.168.1.1 . tcp . 30090 : " + mark);

        assertThat(lbEngine().fullResync(snapshot()).kernelWrites()).as("a restart finds its mark again").isZero();

        SyncEngine engine = lbEngine();
        engine.fullResync(snapshot());
        put(TestObjects.withSpec(ingress, spec -> spec.setExternalTrafficPolicy("Cluster")));
        engine.syncServices(List.of(new ServiceRef("default", "ingress")), snapshot());
        assertThat(ipvs.virtualServers()).noneMatch(v -> v.server().key() instanceof VirtualServerKey.ByFwmark);
        assertThat(nftBlock("short4")).doesNotContain("203.0.113.7");
        assertThat(realServersOf(LB)).containsExactly(ip("10.244.2.9"));
    }

    /**
     * A DSR VIP is not short-circuited: in-cluster clients reach it through its DSR virtual server (its DSR mark has
     * the only policy rule), while the same Service's NodePort is short-circuited to every endpoint.
     */
    @Test
    void aDsrLoadBalancerIpWithLocalPolicyIsNotShortCircuitedButItsNodePortIs() {
        Service dsrLocal = TestObjects.annotated(TestObjects.withSpec(TestObjects.loadBalancer("edge", "10.96.0.8", 80, 30088,
                "203.0.113.7"), spec -> spec.setExternalTrafficPolicy("Local")), Map.of("kube-router.io/service.dsr", "tunnel"));
        put(dsrLocal, TestObjects.slice("edge", 80, "node2", "10.244.2.8"));
        SyncEngine engine = lbEngine();
        engine.fullResync(snapshot());
        assertThat(nftBlock("short4")).doesNotContain("203.0.113.7").contains("192.168.1.1 . tcp . 30088 : ");
        List<Integer> fwmarks = ipvs.virtualServers().stream().map(v -> v.server().key())
                .filter(k -> k instanceof VirtualServerKey.ByFwmark).map(k -> ((VirtualServerKey.ByFwmark) k).fwmark()).toList();
        int dsrMark = fwmarks.stream().filter(m -> (m & 0x4000) == 0).findFirst().orElseThrow();
        assertThat(fwmarks).hasSize(2).anyMatch(m -> (m & 0x4000) != 0); // the DSR VIP's service and the NodePort's short circuit
        assertThat(routing.rules(AddressFamily.INET)).filteredOn(r -> r.table() == DsrRouting.TABLE)
                .containsExactly(Rule.fwmark(AddressFamily.INET, DsrRouting.RULE_PRIORITY, dsrMark, DsrRouting.TABLE));
        model = new ClusterModel();
        engine.syncServices(List.of(new ServiceRef("default", "edge")), snapshot());
        assertThat(routing.rules(AddressFamily.INET)).noneMatch(r -> r.table() == DsrRouting.TABLE);
        assertThat(ipvs.virtualServers()).isEmpty();
    }

    /**
     * The defect: on a dual-stack node an IPv4-only NodePort Service also got an empty NodePort virtual server on the
     * node's IPv6 address (and status and metrics showed it).
     */
    @Test
    void anIpv4OnlyServiceGetsNoNodePortOnTheNodesIpv6Address() {
        InetAddress v6 = ip("fd00:1::1");
        NodeInfo dual = new NodeInfo("node1", List.of(NODE_IP, v6), List.of(NODE_IP, v6));
        put(TestObjects.withSpec(TestObjects.loadBalancer("web", "10.96.0.5", 80, 30050, "203.0.113.7"),
                spec -> spec.setIpFamilies(List.of("IPv4"))), TestObjects.slice("web", 8080, "node2", "10.244.2.5"));
        SyncEngine e = lbEngine("--enable-ipv6=true", "--service-cluster-ip-range=10.96.0.0/12,fd00:96::/108");
        e.start(dual);
        e.fullResync(new ServiceSnapshot(model, dual, Set.of(NODE_IP, v6)));
        assertThat(ipvs.virtualServers()).extracting(v -> v.server().key().family()).containsOnly(AddressFamily.INET);
        assertThat(ipvs.virtualServers()).extracting(v -> v.server().key())
                .contains(VirtualServerKey.of(NODE_IP, Protocol.TCP, 30050)).doesNotContain(VirtualServerKey.of(v6, Protocol.TCP, 30050));
    }

    /** The node's zone arrives in the snapshot; a new zone re-plans which endpoints zone hints select. */
    @Test
    void zoneHintsFollowTheZoneTheSnapshotCarries() {
        Service zonal = TestObjects.service("zonal", "10.96.0.6", 80, null);
        io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice slice = TestObjects.slice("zonal", 8080, "node2", "10.244.1.6",
                "10.244.2.6");
        slice.getEndpoints().get(0).setHints(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder()
                .addNewForZone("zone-a").build());
        slice.getEndpoints().get(1).setHints(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointHintsBuilder()
                .addNewForZone("zone-b").build());
        put(zonal, slice);
        VirtualServerKey key = VirtualServerKey.of(ip("10.96.0.6"), Protocol.TCP, 80);
        SyncEngine engine = engine();
        engine.fullResync(new ServiceSnapshot(model, new NodeInfo("node1", List.of(NODE_IP), List.of(NODE_IP), "zone-a"), Set.of()));
        assertThat(realServersOf(key)).containsExactly(ip("10.244.1.6"));
        engine.fullResync(new ServiceSnapshot(model, new NodeInfo("node1", List.of(NODE_IP), List.of(NODE_IP), "zone-b"), Set.of()));
        assertThat(realServersOf(key)).containsExactly(ip("10.244.2.6"));
        engine.fullResync(new ServiceSnapshot(model, NODE, Set.of()));
        assertThat(realServersOf(key)).as("no zone label: hints are not followed").containsExactlyInAnyOrder(ip("10.244.1.6"),
                ip("10.244.2.6"));
    }

    /** A short circuit whose Service went while the agent was down is still recognised as kube-dsr's, and removed. */
    @Test
    void aRestartRemovesTheShortCircuitOfAServiceDeletedMeanwhile() {
        put(TestObjects.withSpec(TestObjects.loadBalancer("ingress", "10.96.0.9", 80, 30090, "203.0.113.7"),
                spec -> spec.setExternalTrafficPolicy("Local")), TestObjects.slice("ingress", 8080, "node2", "10.244.2.9"));
        lbEngine().fullResync(snapshot());
        assertThat(ipvs.virtualServers()).anyMatch(v -> v.server().key() instanceof VirtualServerKey.ByFwmark);
        model = new ClusterModel();
        lbEngine().fullResync(snapshot());
        assertThat(ipvs.virtualServers()).isEmpty();
        assertThat(nftBlock("short4")).doesNotContain("203.0.113.7");
    }
}
