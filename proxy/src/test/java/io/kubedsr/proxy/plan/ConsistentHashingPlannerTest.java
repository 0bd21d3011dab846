package io.kubedsr.proxy.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.FakeIpvsTable;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.tunnel.Encapsulation;

/**
 * IpvsPlanner on a DSR virtual server scheduled by mh: whatever the history, the kernel's list of real servers ends
 * in the one canonical order (on FakeIpvsTable, whose list order IpvsTableContract holds to the kernel's; e2e's
 * MaglevRealKernelTest does it on the kernel), and a draining real server leaves when the period ends.
 */
class ConsistentHashingPlannerTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private static final VirtualServerKey FWM = VirtualServerKey.ofFwmark(AddressFamily.INET, 0x123);
    private static final VirtualServerKey.ByAddress VIP = (VirtualServerKey.ByAddress) VirtualServerKey.of(ip("198.51.100.10"),
            Protocol.TCP, 80);
    private static final ServicePortKey OWNER = new ServicePortKey(new ServiceRef("default", "web"), "http", Protocol.TCP);
    private final IpvsPlanner plain = new IpvsPlanner(false, Duration.ofSeconds(30));
    private final IpvsPlanner graceful = new IpvsPlanner(true, Duration.ofSeconds(30));

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static RealServer pod(String address, int weight) {
        return RealServer.of(ip(address), 80, Forwarding.ipip(), weight);
    }

    private static DesiredVirtualServer mh(Set<RealServer> reals) {
        return new DesiredVirtualServer(OWNER, Role.EXTERNAL_IP, VirtualServer.of(FWM, Scheduler.MH), reals,
                new DsrSpec(VIP, Encapsulation.IPIP, Set.of()));
    }

    private static Set<RealServer> pods(String... addresses) {
        Set<RealServer> out = new LinkedHashSet<>();
        for (String a : addresses) {
            out.add(pod(a, 1));
        }
        return out;
    }

    /** The fake kernel, with the virtual server in place (scheduled by {@code scheduler}). */
    private static FakeIpvsTable kernel(Scheduler scheduler) {
        FakeIpvsTable kernel = new FakeIpvsTable();
        kernel.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(FWM, scheduler))));
        return kernel;
    }

    /** The fake kernel after the planner created the virtual server with these real servers. */
    private FakeIpvsTable created(Set<RealServer> reals) {
        FakeIpvsTable kernel = new FakeIpvsTable();
        assertThat(kernel.apply(plain.plan(Map.of(FWM, mh(reals)), Map.of(), Map.of(), T0).operations())).isEmpty();
        return kernel;
    }

    /** Plans against the kernel's dump and writes the plan; every write must succeed. */
    private static IpvsPlan step(IpvsPlanner planner, FakeIpvsTable kernel, DesiredVirtualServer want,
            Map<DrainKey, Instant> draining, Instant now) {
        Map<VirtualServerKey, RealizedVirtualServer> realized = Map.of(FWM,
                new RealizedVirtualServer(kernel.virtualServers().get(0).server(), kernel.realServers(FWM)));
        IpvsPlan plan = planner.plan(Map.of(FWM, want), realized, draining, now);
        assertThat(kernel.apply(plan.operations())).isEmpty();
        return plan;
    }

    private static List<RealServer> servers(FakeIpvsTable kernel) {
        return kernel.realServers(FWM).stream().map(RealServerStatus::server).toList();
    }

    private static List<String> addresses(List<RealServer> servers) {
        return servers.stream().map(r -> IpPrefix.format(r.address()) + "/" + r.weight()).toList();
    }

    @Test
    void aNewVirtualServerGetsItsRealServersInAscendingOrderSoTheKernelListsThemDescending() {
        IpvsPlan plan = plain.plan(Map.of(FWM, mh(pods("10.244.3.2", "10.244.10.2", "10.244.1.2"))), Map.of(), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.AddVirtualServer(VirtualServer.of(FWM, Scheduler.MH)),
                new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)), new IpvsOperation.AddRealServer(FWM, pod("10.244.3.2", 1)),
                new IpvsOperation.AddRealServer(FWM, pod("10.244.10.2", 1)));
    }

    @Test
    void aRealServerThatBelongsAtTheHeadIsOneAdd() {
        FakeIpvsTable kernel = created(pods("10.244.1.2", "10.244.2.2"));
        IpvsPlan plan = step(plain, kernel, mh(pods("10.244.1.2", "10.244.2.2", "10.244.3.2")), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.AddRealServer(FWM, pod("10.244.3.2", 1)));
        assertThat(addresses(servers(kernel))).containsExactly("10.244.3.2/1", "10.244.2.2/1", "10.244.1.2/1");
    }

    @Test
    void aRealServerThatBelongsAtTheTailMovesTheOthersWithAdjacentDeleteAndAddPairs() {
        FakeIpvsTable kernel = created(pods("10.244.1.2", "10.244.2.2", "10.244.3.2"));
        IpvsPlan plan = step(plain, kernel, mh(pods("10.244.0.2", "10.244.1.2", "10.244.2.2", "10.244.3.2")),
                Map.of(), T0);
        assertThat(plan.operations()).containsExactly(
                new IpvsOperation.AddRealServer(FWM, pod("10.244.0.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.1.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.2.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.2.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.3.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.3.2", 1)));
        assertThat(addresses(servers(kernel))).containsExactly("10.244.3.2/1", "10.244.2.2/1", "10.244.1.2/1", "10.244.0.2/1");
    }

    @Test
    void aListFoundOutOfOrderIsPutInOrderAndAnOrderedOneIsLeftAlone() {
        FakeIpvsTable kernel = kernel(Scheduler.MH);
        // The order another history left, e.g. kube-dsr before it kept mh lists in order: 2.2 at the head.
        kernel.apply(List.of(new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)),
                new IpvsOperation.AddRealServer(FWM, pod("10.244.3.2", 1)), new IpvsOperation.AddRealServer(FWM, pod("10.244.2.2", 1))));
        DesiredVirtualServer want = mh(pods("10.244.1.2", "10.244.2.2", "10.244.3.2"));
        step(plain, kernel, want, Map.of(), T0);
        assertThat(addresses(servers(kernel))).containsExactly("10.244.3.2/1", "10.244.2.2/1", "10.244.1.2/1");
        assertThat(step(plain, kernel, want, Map.of(), T0).operations()).isEmpty();
    }

    @Test
    void aVirtualServerThatWasRrIsRewrittenWhollyWhenItBecomesMh() {
        FakeIpvsTable kernel = kernel(Scheduler.RR);
        kernel.apply(List.of(new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)),
                new IpvsOperation.AddRealServer(FWM, pod("10.244.2.2", 1))));
        // rr's list is in canonical order by chance, but the realized cache does not keep rr lists in order: not trusted.
        IpvsPlan plan = step(plain, kernel, mh(pods("10.244.1.2", "10.244.2.2")), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.EditVirtualServer(VirtualServer.of(FWM, Scheduler.MH)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.1.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.2.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.2.2", 1)));
        assertThat(addresses(servers(kernel))).containsExactly("10.244.2.2/1", "10.244.1.2/1");
    }

    @Test
    void aDrainingRealServerLeavesWhenThePeriodEndsNotWhenItsConnectionsHereEnd() {
        FakeIpvsTable kernel = created(pods("10.244.1.2", "10.244.2.2"));
        IpvsPlan first = step(graceful, kernel, mh(pods("10.244.1.2")), Map.of(), T0);
        assertThat(first.operations()).containsExactly(new IpvsOperation.EditRealServer(FWM, pod("10.244.2.2", 0)));
        // No connection to it on this node (the model's counts are 0): another node may still have some, and while
        // it keeps its slots there, it must keep them here too.
        IpvsPlan idle = step(graceful, kernel, mh(pods("10.244.1.2")), first.draining(), T0.plusSeconds(5));
        assertThat(idle.operations()).isEmpty();
        IpvsPlan over = step(graceful, kernel, mh(pods("10.244.1.2")), idle.draining(), T0.plusSeconds(30));
        assertThat(over.operations()).containsExactly(new IpvsOperation.DeleteRealServer(FWM, pod("10.244.2.2", 1).key()));
    }

    @Test
    void aDrainingRealServerThatMustMoveComesBackWithItsWeightThenDrainsAgain() {
        FakeIpvsTable kernel = created(pods("10.244.1.2", "10.244.2.2"));
        IpvsPlan drain = step(graceful, kernel, mh(pods("10.244.1.2")), Map.of(), T0);
        // A rolling update: a new pod that sorts below both while 2.2 drains.
        IpvsPlan plan = step(graceful, kernel, mh(pods("10.244.0.2", "10.244.1.2")), drain.draining(),
                T0.plusSeconds(1));
        assertThat(plan.operations()).containsExactly(
                new IpvsOperation.AddRealServer(FWM, pod("10.244.0.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.1.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.1.2", 1)),
                new IpvsOperation.DeleteRealServer(FWM, pod("10.244.2.2", 1).key()), new IpvsOperation.AddRealServer(FWM, pod("10.244.2.2", 1)),
                new IpvsOperation.EditRealServer(FWM, pod("10.244.2.2", 0)));
        assertThat(addresses(servers(kernel))).containsExactly("10.244.2.2/0", "10.244.1.2/1", "10.244.0.2/1");
        assertThat(plan.draining()).containsOnlyKeys(new DrainKey(FWM, pod("10.244.2.2", 1).key()));
    }

    @Test
    void anyHistoryOfEndpointsEndsInTheListANewNodeBuildsAtOnce() {
        Random random = new Random(20);
        List<String> pool = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            pool.add("10.244." + random.nextInt(4) + "." + (2 + random.nextInt(250)));
        }
        for (int history = 0; history < 300; history++) {
            FakeIpvsTable old = null;
            Map<DrainKey, Instant> draining = new HashMap<>();
            Instant now = T0;
            IpvsPlanner planner = random.nextBoolean() ? plain : graceful;
            Set<RealServer> current = Set.of();
            for (int change = 0; change < 8; change++) {
                Set<RealServer> next = new LinkedHashSet<>();
                for (String a : pool) {
                    if (random.nextInt(3) == 0) {
                        next.add(pod(a, 1));
                    }
                }
                current = next;
                now = now.plusSeconds(random.nextInt(20));
                if (old == null) {
                    old = created(current);
                } else {
                    draining = step(planner, old, mh(current), draining, now).draining();
                }
            }
            // A node that starts now, with the same endpoints and the same real servers still draining.
            Set<RealServer> all = new LinkedHashSet<>();
            servers(old).forEach(r -> all.add(r.withWeight(1)));
            FakeIpvsTable fresh = created(all);
            assertThat(addresses(servers(old).stream().map(r -> r.withWeight(1)).toList()))
                    .as("history %d", history).isEqualTo(addresses(servers(fresh)));
            assertThat(servers(old).stream().filter(r -> r.weight() == 1).map(RealServer::key).toList())
                    .containsExactlyInAnyOrderElementsOf(current.stream().map(RealServer::key).toList());
        }
    }

    @Test
    void anMhVirtualServerThatIsNotDsrKeepsThePlainRules() {
        VirtualServerKey cluster = VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80);
        DesiredVirtualServer want = new DesiredVirtualServer(OWNER, Role.CLUSTER_IP, VirtualServer.of(cluster, Scheduler.MH),
                Set.of(RealServer.of(ip("10.244.0.2"), 80, Forwarding.MASQUERADE, 1), RealServer.of(ip("10.244.1.2"), 80,
                        Forwarding.MASQUERADE, 1)));
        assertThat(want.consistentHashing()).isFalse();
        IpvsPlan plan = plain.plan(Map.of(cluster, want), Map.of(cluster, new RealizedVirtualServer(VirtualServer.of(cluster,
                Scheduler.MH), List.of(new RealServerStatus(RealServer.of(ip("10.244.1.2"), 80, Forwarding.MASQUERADE, 1), 0, 0, 0,
                IpvsStats.ZERO)))), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.AddRealServer(cluster,
                RealServer.of(ip("10.244.0.2"), 80, Forwarding.MASQUERADE, 1)));
    }
}
