package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.DsrSpec;
import io.kubedsr.proxy.plan.IpvsPlan;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.RealizedVirtualServer;
import io.kubedsr.proxy.plan.Role;
import io.kubedsr.tunnel.Encapsulation;

/**
 * What the kernel's mh (Maglev hashing) scheduler does with the real servers it is given, measured with 3,000 flows
 * per virtual server ({@link MaglevLab}): the facts the planner's rules rest on (docs/dsr.md, "DSR behind ECMP"), and
 * the fraction of flows that move when one of N real servers goes. The numbers are printed.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "ip_vs_mh"}, timeoutSeconds = 600)
class MaglevRealKernelTest {
    private static final Set<ServiceFlag> MH_PORT = EnumSet.of(ServiceFlag.SCHED2);
    private static final Set<ServiceFlag> MH_PORT_FALLBACK = EnumSet.of(ServiceFlag.SCHED1, ServiceFlag.SCHED2);
    private MaglevLab lab;

    @BeforeEach
    void setUp() {
        lab = new MaglevLab();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    /** A virtual server on a new VIP with real servers 1..n (those in {@code without} left out), added in {@code order}. */
    private VirtualServerKey raw(Set<ServiceFlag> flags, List<Integer> order) {
        VirtualServerKey key = lab.newVip();
        lab.ipvs.addVirtualServer(VirtualServer.of(key, Scheduler.MH).withFlags(flags));
        for (int i : order) {
            lab.ipvs.addRealServer(key, MaglevLab.backend(i, Forwarding.MASQUERADE));
        }
        return key;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(i);
        }
        return out;
    }

    private static List<Integer> downFrom(int to) {
        List<Integer> out = range(1, to);
        java.util.Collections.reverse(out);
        return out;
    }

    @Test
    void theSameRealServersAddedInAnotherOrderSendSomeFlowsElsewhere() throws Exception {
        int total = 0;
        StringBuilder report = new StringBuilder("real servers added in ascending vs descending order (mh, mh-port):\n");
        for (int n : List.of(3, 5, 10, 20)) {
            VirtualServerKey ascending = raw(MH_PORT, range(1, n));
            VirtualServerKey descending = raw(MH_PORT, downFrom(n));
            // The dump lists the newest first: NEWDEST links at the head of the list ip_vs_mh walks.
            assertThat(lab.ipvs.realServers(ascending).get(0).server()).isEqualTo(MaglevLab.backend(n, Forwarding.MASQUERADE));
            assertThat(lab.ipvs.realServers(descending).get(0).server()).isEqualTo(MaglevLab.backend(1, Forwarding.MASQUERADE));
            var flows = lab.flows(List.of(ascending, descending));
            int differ = MaglevLab.differing(flows.get(ascending), flows.get(descending));
            total += differ;
            report.append(String.format("  N=%2d: %4d of %d flows map to another real server (%.1f%%)%n", n, differ,
                    flows.get(ascending).size(), 100.0 * differ / flows.get(ascending).size()));
        }
        System.out.print(report);
        assertThat(total).as("the order of the real servers changes the Maglev table").isPositive();
    }

    private static final ServicePortKey OWNER = new ServicePortKey(new ServiceRef("default", "web"), "http", Protocol.TCP);

    /** A DSR virtual server scheduled by mh as the planner sees it (real servers in masquerade: only the choice matters). */
    private static DesiredVirtualServer desired(VirtualServerKey key, Set<Integer> backends) {
        Set<RealServer> reals = new LinkedHashSet<>();
        backends.forEach(i -> reals.add(MaglevLab.backend(i, Forwarding.MASQUERADE)));
        VirtualServerKey.ByAddress vip = (VirtualServerKey.ByAddress) key;
        return new DesiredVirtualServer(OWNER, Role.EXTERNAL_IP, VirtualServer.of(key, Scheduler.MH).withFlags(MH_PORT), reals,
                new DsrSpec(vip, Encapsulation.IPIP, Set.of()));
    }

    /** One sync of the planner against the kernel's dump, written to the kernel. */
    private void sync(IpvsPlanner planner, DesiredVirtualServer want) {
        Map<VirtualServerKey, RealizedVirtualServer> realized = new HashMap<>();
        lab.ipvs.virtualServer(want.server().key()).ifPresent(vs -> realized.put(want.server().key(),
                new RealizedVirtualServer(vs.server(), lab.ipvs.realServers(want.server().key()))));
        IpvsPlan plan = planner.plan(Map.of(want.server().key(), want), realized, Map.of(), Instant.now());
        List<IpvsFailure> failures = lab.ipvs.apply(plan.operations());
        assertThat(failures).isEmpty();
    }

    private List<RealServer> listed(VirtualServerKey key) {
        return lab.ipvs.realServers(key).stream().map(RealServerStatus::server).toList();
    }

    @Test
    void twoNodesWithDifferentHistoriesChooseAlikeThroughThePlanner() throws Exception {
        IpvsPlanner planner = new IpvsPlanner(false, Duration.ofSeconds(30));
        VirtualServerKey oldNode = lab.newVip();
        VirtualServerKey newNode = lab.newVip();
        VirtualServerKey unordered = lab.newVip();
        // The old node saw the pods come one by one, the last ones sorting first (the worst case: every real
        // server already there is out of place), and one go; the new node sees the result at once.
        Set<Integer> seen = new LinkedHashSet<>();
        List<Integer> history = downFrom(10);
        for (int i : history) {
            seen.add(i);
            sync(planner, desired(oldNode, seen));
        }
        seen.remove(4);
        sync(planner, desired(oldNode, seen));
        sync(planner, desired(newNode, seen));
        // Negative control: the same history without the planner's order, each real server added at the head.
        lab.ipvs.addVirtualServer(VirtualServer.of(unordered, Scheduler.MH).withFlags(MH_PORT));
        for (int i : history) {
            if (i != 4) {
                lab.ipvs.addRealServer(unordered, MaglevLab.backend(i, Forwarding.MASQUERADE));
            }
        }

        assertThat(listed(oldNode)).isEqualTo(listed(newNode));
        var flows = lab.flows(List.of(oldNode, newNode, unordered));
        int planned = MaglevLab.differing(flows.get(oldNode), flows.get(newNode));
        int raw = MaglevLab.differing(flows.get(unordered), flows.get(newNode));
        System.out.printf("9 real servers, two histories: %d of %d flows differ through the planner, %d added as they came%n",
                planned, flows.get(newNode).size(), raw);
        assertThat(flows.get(newNode)).hasSize(MaglevLab.FLOWS);
        assertThat(planned).as("flows the old and the new node map differently").isZero();
        assertThat(raw).as("without the planner's order (negative control)").isPositive();
    }

    @Test
    void aDrainingRealServerKeepsItsSlotsAndOnlyItsFlowsMoveWithFallback() throws Exception {
        VirtualServerKey all = raw(MH_PORT, range(1, 5));
        VirtualServerKey drainingFallback = raw(MH_PORT_FALLBACK, range(1, 5));
        VirtualServerKey drainingNoFallback = raw(MH_PORT, range(1, 5));
        RealServer third = MaglevLab.backend(3, Forwarding.MASQUERADE);
        lab.ipvs.editRealServer(drainingFallback, third.withWeight(0));
        lab.ipvs.editRealServer(drainingNoFallback, third.withWeight(0));
        var flows = lab.flows(List.of(all, drainingFallback, drainingNoFallback));
        InetAddress drained = third.address();
        long ofThird = flows.get(all).values().stream().filter(drained::equals).count();
        System.out.printf("weight 0 on 1 of 5: %d flows were its; with mh-fallback %d flows moved, without it %d refused%n",
                ofThird, MaglevLab.differing(flows.get(all), flows.get(drainingFallback)),
                MaglevLab.FLOWS - flows.get(drainingNoFallback).size());
        assertThat(ofThird).isPositive();
        assertThat(flows.get(drainingFallback)).hasSize(MaglevLab.FLOWS).doesNotContainValue(drained);
        assertThat(MaglevLab.differing(flows.get(all), flows.get(drainingFallback))).as("only the drained server's flows move")
                .isEqualTo((int) ofThird);
        assertThat(flows.get(drainingNoFallback)).as("without mh-fallback its flows are refused, the others stay")
                .hasSize(MaglevLab.FLOWS - (int) ofThird);
        assertThat(MaglevLab.differing(flows.get(all), flows.get(drainingNoFallback))).isZero();
    }

    @Test
    void flowsThatMoveWhenOneOfNRealServersGoes() throws Exception {
        StringBuilder report = new StringBuilder("one of N real servers deleted (mh, mh-port), 3000 flows:\n"
                + "   N  moved   its share  ideal 1/N  others moved\n");
        for (int n : List.of(2, 3, 5, 10, 20)) {
            VirtualServerKey before = raw(MH_PORT, range(1, n));
            int gone = (n + 1) / 2;
            List<Integer> rest = new ArrayList<>(range(1, n));
            rest.remove(Integer.valueOf(gone));
            VirtualServerKey after = raw(MH_PORT, rest);
            var flows = lab.flows(List.of(before, after));
            InetAddress goneAddress = MaglevLab.backend(gone, Forwarding.MASQUERADE).address();
            long itsFlows = flows.get(before).values().stream().filter(goneAddress::equals).count();
            int moved = MaglevLab.differing(flows.get(before), flows.get(after));
            double fraction = (double) moved / MaglevLab.FLOWS;
            report.append(String.format("  %2d  %5.3f   %5.3f      %5.3f      %5.3f%n", n, fraction,
                    (double) itsFlows / MaglevLab.FLOWS, 1.0 / n,
                    (double) (moved - itsFlows) / (MaglevLab.FLOWS - itsFlows)));
            assertThat(flows.get(after).values()).doesNotContain(goneAddress);
            // Every flow of the deleted one moves; a modulo hash would move (N-1)/N of all flows, Maglev few more than 1/N.
            assertThat(moved).isGreaterThanOrEqualTo((int) itsFlows);
            assertThat(fraction).as("N=%d", n).isLessThan(Math.min(1.0, 2.0 / n));
        }
        System.out.print(report);
    }
}
