package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

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
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.DrainKey;
import io.kubedsr.proxy.plan.IpvsPlan;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.RealizedVirtualServer;
import io.kubedsr.proxy.plan.Role;

class IpvsPlannerTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");
    private static final VirtualServerKey TCP = VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80);
    private static final VirtualServerKey UDP = VirtualServerKey.of(ip("10.96.0.53"), Protocol.UDP, 53);
    private static final ServicePortKey OWNER = new ServicePortKey(new ServiceRef("default", "web"), "http", Protocol.TCP);
    private final IpvsPlanner plain = new IpvsPlanner(false, Duration.ofSeconds(30));
    private final IpvsPlanner graceful = new IpvsPlanner(true, Duration.ofSeconds(30));

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static RealServer rs(String address, int weight) {
        return RealServer.of(ip(address), 8080, Forwarding.MASQUERADE, weight);
    }

    private static Map<VirtualServerKey, DesiredVirtualServer> desired(VirtualServerKey key, RealServer... reals) {
        return Map.of(key, new DesiredVirtualServer(OWNER, Role.CLUSTER_IP, VirtualServer.of(key, Scheduler.RR), Set.of(reals)));
    }

    private static RealServerStatus status(RealServer r, int active, int inactive) {
        return new RealServerStatus(r, active, inactive, 0, IpvsStats.ZERO);
    }

    private static Map<VirtualServerKey, RealizedVirtualServer> realized(VirtualServerKey key, RealServerStatus... reals) {
        return Map.of(key, new RealizedVirtualServer(VirtualServer.of(key, Scheduler.RR), List.of(reals)));
    }

    @Test
    void equalStateNeedsNoWrite() {
        IpvsPlan plan = plain.plan(desired(TCP, rs("10.244.1.5", 1)), realized(TCP, status(rs("10.244.1.5", 1), 3, 0)), Map.of(), T0);
        assertThat(plan.operations()).isEmpty();
    }

    @Test
    void addsOnlyTheNewEndpoint() {
        IpvsPlan plan = plain.plan(desired(TCP, rs("10.244.1.5", 1), rs("10.244.1.6", 1)),
                realized(TCP, status(rs("10.244.1.5", 1), 0, 0)), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.AddRealServer(TCP, rs("10.244.1.6", 1)));
    }

    @Test
    void aNewServiceIsAddedWithAllItsRealServers() {
        IpvsPlan plan = plain.plan(desired(TCP, rs("10.244.1.5", 1), rs("10.244.1.6", 1)), Map.of(), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.AddVirtualServer(VirtualServer.of(TCP, Scheduler.RR)),
                new IpvsOperation.AddRealServer(TCP, rs("10.244.1.5", 1)), new IpvsOperation.AddRealServer(TCP, rs("10.244.1.6", 1)));
    }

    @Test
    void aChangedSchedulerIsAnEditAndAnUnwantedServiceADelete() {
        Map<VirtualServerKey, DesiredVirtualServer> want = Map.of(TCP, new DesiredVirtualServer(OWNER, Role.CLUSTER_IP,
                VirtualServer.of(TCP, Scheduler.MH), Set.of()));
        Map<VirtualServerKey, RealizedVirtualServer> have = new java.util.HashMap<>(realized(TCP));
        have.putAll(realized(UDP, status(rs("10.244.1.53", 1), 0, 0)));
        IpvsPlan plan = plain.plan(want, have, Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.EditVirtualServer(VirtualServer.of(TCP, Scheduler.MH)),
                new IpvsOperation.DeleteVirtualServer(UDP));
        assertThat(plan.removedUdp()).containsExactly(new DrainKey(UDP, rs("10.244.1.53", 1).key()));
    }

    @Test
    void withoutGracefulTerminationARemovedEndpointGoesAtOnce() {
        IpvsPlan plan = plain.plan(desired(TCP), realized(TCP, status(rs("10.244.1.5", 1), 5, 0)), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.DeleteRealServer(TCP, rs("10.244.1.5", 1).key()));
    }

    @Test
    void gracefulTerminationDrainsWithWeightZeroThenDeletesWhenConnectionsEnd() {
        RealServer r = rs("10.244.1.5", 1);
        DrainKey dk = new DrainKey(TCP, r.key());
        IpvsPlan first = graceful.plan(desired(TCP), realized(TCP, status(r, 5, 1)), Map.of(), T0);
        assertThat(first.operations()).containsExactly(new IpvsOperation.EditRealServer(TCP, r.withWeight(0)));
        assertThat(first.draining()).containsEntry(dk, T0);

        IpvsPlan stillBusy = graceful.plan(desired(TCP), realized(TCP, status(r.withWeight(0), 2, 0)), first.draining(), T0.plusSeconds(10));
        assertThat(stillBusy.operations()).isEmpty();
        assertThat(stillBusy.draining()).containsEntry(dk, T0);

        IpvsPlan idle = graceful.plan(desired(TCP), realized(TCP, status(r.withWeight(0), 0, 0)), stillBusy.draining(), T0.plusSeconds(12));
        assertThat(idle.operations()).containsExactly(new IpvsOperation.DeleteRealServer(TCP, r.key()));
        assertThat(idle.draining()).isEmpty();
    }

    @Test
    void gracefulTerminationDeletesWhenThePeriodPassesEvenWithConnections() {
        RealServer r = rs("10.244.1.5", 0);
        DrainKey dk = new DrainKey(TCP, r.key());
        IpvsPlan plan = graceful.plan(desired(TCP), realized(TCP, status(r, 7, 0)), Map.of(dk, T0), T0.plusSeconds(30));
        assertThat(plan.operations()).containsExactly(new IpvsOperation.DeleteRealServer(TCP, r.key()));
    }

    @Test
    void aDrainingEndpointThatComesBackIsRestored() {
        RealServer r = rs("10.244.1.5", 1);
        IpvsPlan plan = graceful.plan(desired(TCP, r), realized(TCP, status(r.withWeight(0), 3, 0)),
                Map.of(new DrainKey(TCP, r.key()), T0), T0.plusSeconds(5));
        assertThat(plan.operations()).containsExactly(new IpvsOperation.EditRealServer(TCP, r));
        assertThat(plan.draining()).isEmpty();
    }

    /**
     * A DSR Service switching encapsulation: IPVS_CMD_SET_DEST changes a destination's tunnel type, port and
     * checksum in place (IpvsTableContract#aRealServersTunnelChangesInPlace), so the switch is one edit per real
     * server, with or without graceful termination. A delete and add would drop its connections' destination.
     */
    @Test
    void aRealServersTunnelChangeIsOneEditNeverADeleteAndAnAdd() {
        VirtualServerKey mark = VirtualServerKey.ofFwmark(AddressFamily.INET, 0xb3a);
        RealServer ipip = RealServer.of(ip("10.244.1.5"), 80, Forwarding.ipip(), 1);
        RealServer gue = RealServer.of(ip("10.244.1.5"), 80, Forwarding.gue(5555), 1);
        for (IpvsPlanner planner : List.of(plain, graceful)) {
            assertThat(planner.plan(desired(mark, gue), realized(mark, status(ipip, 4, 2)), Map.of(), T0).operations())
                    .containsExactly(new IpvsOperation.EditRealServer(mark, gue));
            assertThat(planner.plan(desired(mark, ipip), realized(mark, status(gue, 4, 2)), Map.of(), T0).operations())
                    .containsExactly(new IpvsOperation.EditRealServer(mark, ipip));
        }
    }

    @Test
    void udpRealServersGoAtOnceEvenWithGracefulTermination() {
        RealServer r = RealServer.of(ip("10.244.1.53"), 53, Forwarding.MASQUERADE, 1);
        IpvsPlan plan = graceful.plan(desired(UDP), realized(UDP, status(r, 0, 4)), Map.of(), T0);
        assertThat(plan.operations()).containsExactly(new IpvsOperation.DeleteRealServer(UDP, r.key()));
        assertThat(plan.removedUdp()).containsExactly(new DrainKey(UDP, r.key()));
    }

    @Test
    void oneEndpointBesideTenThousandServicesIsOneOperation() {
        Map<VirtualServerKey, DesiredVirtualServer> want = new java.util.HashMap<>();
        Map<VirtualServerKey, RealizedVirtualServer> have = new java.util.HashMap<>();
        for (int i = 0; i < 10_000; i++) {
            VirtualServerKey k = VirtualServerKey.of(ip("10.96." + (i / 250) + "." + (i % 250)), Protocol.TCP, 80);
            Set<RealServer> reals = new HashSet<>();
            for (int j = 0; j < 10; j++) {
                reals.add(rs("10.244." + j + ".5", 1));
            }
            want.put(k, new DesiredVirtualServer(OWNER, Role.CLUSTER_IP, VirtualServer.of(k, Scheduler.RR), reals));
            have.put(k, new RealizedVirtualServer(VirtualServer.of(k, Scheduler.RR), reals.stream().map(x -> status(x, 0, 0)).toList()));
        }
        VirtualServerKey changed = VirtualServerKey.of(ip("10.96.3.7"), Protocol.TCP, 80);
        Set<RealServer> more = new HashSet<>(want.get(changed).realServers());
        more.add(rs("10.244.99.5", 1));
        want.put(changed, new DesiredVirtualServer(OWNER, Role.CLUSTER_IP, VirtualServer.of(changed, Scheduler.RR), more));
        assertThat(plain.plan(want, have, Map.of(), T0).operations())
                .containsExactly(new IpvsOperation.AddRealServer(changed, rs("10.244.99.5", 1)));
    }
}
