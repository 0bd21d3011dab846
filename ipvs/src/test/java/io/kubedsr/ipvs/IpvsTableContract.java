package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkException;

/**
 * What an {@link IpvsTable} must answer, as the kernel does: run against {@link FakeIpvsTable} on every build
 * (FakeIpvsTableContractTest) and against the kernel's IPVS in the VM (e2e's IpvsTableContractRealKernelTest),
 * so the fake the engine's host tests use cannot drift from the kernel.
 */
public abstract class IpvsTableContract {
    protected static final VirtualServerKey WEB = VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80);
    protected static final VirtualServerKey DNS = VirtualServerKey.of(ip("10.96.0.53"), Protocol.UDP, 53);
    protected static final VirtualServerKey MARK = VirtualServerKey.ofFwmark(AddressFamily.INET, 7);
    protected static final RealServer POD1 = RealServer.of(ip("10.244.1.5"), 8080, Forwarding.MASQUERADE, 1);
    protected static final RealServer POD2 = RealServer.of(ip("10.244.2.5"), 8080, Forwarding.MASQUERADE, 1);

    /** The table under test, empty (a fresh namespace for the kernel). */
    protected abstract IpvsTable table();

    /** Makes loading the scheduler module {@code ip_vs_<name>} fail from now on. */
    protected abstract void makeSchedulerUnavailable(String name);

    /**
     * {@code true}: the acknowledgements of a large batch overflow the socket's receive buffer from now on (the
     * kernel's socket shrunk to its minimum); {@code false}: they fit again.
     */
    protected abstract void overflowAcknowledgements(boolean overflow);

    protected static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }

    private static IpvsException refusal(IpvsTable t, IpvsOperation op) {
        List<IpvsFailure> failures = t.apply(List.of(op));
        assertThat(failures).as("%s is refused", op).hasSize(1);
        return failures.get(0).error();
    }

    @Test
    void aVirtualServerReadsBackAsWritten() {
        IpvsTable t = table();
        VirtualServer web = VirtualServer.of(WEB, Scheduler.RR).withPersistence(600)
                .withFlags(EnumSet.of(ServiceFlag.PERSISTENT, ServiceFlag.SCHED1));
        VirtualServer mark = VirtualServer.of(MARK, Scheduler.MH);
        assertThat(t.apply(List.of(new IpvsOperation.AddVirtualServer(web), new IpvsOperation.AddVirtualServer(mark)))).isEmpty();
        assertThat(t.virtualServers()).extracting(VirtualServerStatus::server).containsExactlyInAnyOrder(web, mark);
        assertThat(t.realServers(WEB)).isEmpty();
    }

    @Test
    void addingAnExistingVirtualServerIsEexist() {
        IpvsTable t = table();
        VirtualServer web = VirtualServer.of(WEB, Scheduler.RR);
        t.apply(List.of(new IpvsOperation.AddVirtualServer(web)));
        IpvsException e = refusal(t, new IpvsOperation.AddVirtualServer(web.withScheduler(Scheduler.WLC)));
        assertThat(e.errno()).isEqualTo(Errno.EEXIST);
        assertThat(e.reason()).isEqualTo(IpvsException.Reason.ALREADY_EXISTS);
        assertThat(t.virtualServers()).extracting(VirtualServerStatus::server).containsExactly(web);
    }

    @Test
    void editingOrDeletingAMissingVirtualServerIsEsrch() {
        IpvsTable t = table();
        assertThat(refusal(t, new IpvsOperation.EditVirtualServer(VirtualServer.of(WEB, Scheduler.RR))).isVirtualServerNotFound())
                .isTrue();
        assertThat(refusal(t, new IpvsOperation.DeleteVirtualServer(WEB)).errno()).isEqualTo(Errno.ESRCH);
        assertThatThrownBy(() -> t.realServers(WEB)).isInstanceOfSatisfying(IpvsException.class,
                e -> assertThat(e.isVirtualServerNotFound()).isTrue());
    }

    @Test
    void aRealServerOfAMissingVirtualServerIsEsrch() {
        IpvsTable t = table();
        IpvsException e = refusal(t, new IpvsOperation.AddRealServer(WEB, POD1));
        assertThat(e.errno()).isEqualTo(Errno.ESRCH);
        assertThat(e.isVirtualServerNotFound()).isTrue();
    }

    @Test
    void realServersAreAddedEditedAndDeletedWithTheKernelsErrors() {
        IpvsTable t = table();
        t.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(WEB, Scheduler.RR)),
                new IpvsOperation.AddRealServer(WEB, POD1)));
        assertThat(refusal(t, new IpvsOperation.AddRealServer(WEB, POD1)).errno()).isEqualTo(Errno.EEXIST);
        IpvsException edit = refusal(t, new IpvsOperation.EditRealServer(WEB, POD2));
        assertThat(edit.errno()).isEqualTo(Errno.ENOENT);
        assertThat(edit.isRealServerNotFound()).isTrue();
        assertThat(refusal(t, new IpvsOperation.DeleteRealServer(WEB, POD2.key())).isRealServerNotFound()).isTrue();

        assertThat(t.apply(List.of(new IpvsOperation.EditRealServer(WEB, POD1.withWeight(0))))).isEmpty();
        assertThat(t.realServers(WEB)).singleElement().satisfies(s -> {
            assertThat(s.server()).isEqualTo(POD1.withWeight(0));
            assertThat(s.activeConnections()).isZero();
        });
        assertThat(t.apply(List.of(new IpvsOperation.DeleteRealServer(WEB, POD1.key())))).isEmpty();
        assertThat(t.realServers(WEB)).isEmpty();
    }

    /**
     * __ip_vs_update_dest links a new real server at the head of the virtual server's list, the dump starts at the
     * head, an edit keeps the place, and a real server deleted and added again comes back at the head: the order
     * ip_vs_mh fills its table in, which the planner keeps canonical for DSR virtual servers (MaglevOrder).
     */
    @Test
    void realServersAreListedNewestFirstAndKeepTheirPlaceWhenEdited() {
        IpvsTable t = table();
        RealServer pod3 = RealServer.of(ip("10.244.3.5"), 8080, Forwarding.MASQUERADE, 1);
        assertThat(t.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(WEB, Scheduler.MH)),
                new IpvsOperation.AddRealServer(WEB, POD1), new IpvsOperation.AddRealServer(WEB, POD2),
                new IpvsOperation.AddRealServer(WEB, pod3)))).isEmpty();
        assertThat(t.realServers(WEB)).extracting(RealServerStatus::server).containsExactly(pod3, POD2, POD1);
        assertThat(t.apply(List.of(new IpvsOperation.EditRealServer(WEB, POD2.withWeight(0))))).isEmpty();
        assertThat(t.realServers(WEB)).extracting(RealServerStatus::server).containsExactly(pod3, POD2.withWeight(0), POD1);
        assertThat(t.apply(List.of(new IpvsOperation.DeleteRealServer(WEB, POD1.key()),
                new IpvsOperation.AddRealServer(WEB, POD1)))).isEmpty();
        assertThat(t.realServers(WEB)).extracting(RealServerStatus::server).containsExactly(POD1, pod3, POD2.withWeight(0));
    }

    /** IPVS_CMD_SET_DEST changes a destination's forwarding and tunnel type, port and checksum in place. */
    @Test
    void aRealServersTunnelChangesInPlace() {
        IpvsTable t = table();
        RealServer ipip = RealServer.of(POD1.address(), 80, Forwarding.ipip(), 1);
        RealServer gue = RealServer.of(POD1.address(), 80, Forwarding.tunnel(TunnelType.GUE, 5555, TunnelChecksum.CSUM), 1);
        t.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(MARK, Scheduler.RR)),
                new IpvsOperation.AddRealServer(MARK, ipip)));
        assertThat(t.apply(List.of(new IpvsOperation.EditRealServer(MARK, gue)))).isEmpty();
        assertThat(t.realServers(MARK)).extracting(RealServerStatus::server).containsExactly(gue);
        assertThat(t.apply(List.of(new IpvsOperation.EditRealServer(MARK, ipip)))).isEmpty();
        assertThat(t.realServers(MARK)).extracting(RealServerStatus::server).containsExactly(ipip);
    }

    @Test
    void onlyTunnelModeForwardsToTheOtherFamily() {
        IpvsTable t = table();
        InetAddress v6 = ip("fd00:244::5");
        t.apply(List.of(new IpvsOperation.AddVirtualServer(VirtualServer.of(WEB, Scheduler.RR))));
        assertThat(refusal(t, new IpvsOperation.AddRealServer(WEB, RealServer.of(v6, 80, Forwarding.MASQUERADE, 1))).errno())
                .isEqualTo(Errno.EINVAL);
        assertThat(t.apply(List.of(new IpvsOperation.AddRealServer(WEB, RealServer.of(v6, 80, Forwarding.ipip(), 1))))).isEmpty();
    }

    @Test
    void aBatchAttemptsEveryOperationAndIndexesTheFailures() {
        IpvsTable t = table();
        List<IpvsFailure> failures = t.apply(List.of(
                new IpvsOperation.AddVirtualServer(VirtualServer.of(WEB, Scheduler.RR)),
                new IpvsOperation.AddRealServer(DNS, POD1), // no such virtual server
                new IpvsOperation.AddRealServer(WEB, POD1),
                new IpvsOperation.AddRealServer(WEB, POD1), // twice
                new IpvsOperation.AddRealServer(WEB, POD2)));
        assertThat(failures).extracting(IpvsFailure::index).containsExactly(1, 3);
        assertThat(failures).extracting(f -> f.error().errno()).containsExactly(Errno.ESRCH, Errno.EEXIST);
        assertThat(t.realServers(WEB)).extracting(RealServerStatus::server).containsExactlyInAnyOrder(POD1, POD2);
    }

    @Test
    void deletingAVirtualServerTakesItsRealServers() {
        IpvsTable t = table();
        VirtualServer web = VirtualServer.of(WEB, Scheduler.RR);
        t.apply(List.of(new IpvsOperation.AddVirtualServer(web), new IpvsOperation.AddRealServer(WEB, POD1),
                new IpvsOperation.DeleteVirtualServer(WEB), new IpvsOperation.AddVirtualServer(web)));
        assertThat(t.realServers(WEB)).isEmpty();
    }

    @Test
    void aSchedulerThatCannotBeLoadedIsEnoent() {
        IpvsTable t = table();
        makeSchedulerUnavailable("fo");
        IpvsException e = refusal(t, new IpvsOperation.AddVirtualServer(VirtualServer.of(WEB, Scheduler.FO)));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.isSchedulerNotFound()).isTrue();
        assertThat(t.virtualServers()).isEmpty();
    }

    @Test
    void aZeroTimeoutLeavesThatTimeoutAsItWas() {
        IpvsTable t = table();
        IpvsTimeouts before = t.timeouts();
        t.setTimeouts(new IpvsTimeouts(1000, 0, 0));
        assertThat(t.timeouts()).isEqualTo(new IpvsTimeouts(1000, before.tcpFin(), before.udp()));
    }

    /**
     * ENOBUFS: the kernel processes every request of a datagram in the sender's call, then queues one ACK each; ACKs
     * that do not fit the receive buffer are dropped and the socket's next read fails with ENOBUFS. So the batch's
     * first datagram was written, later ones never sent, and which writes failed is unknown: the call throws (the
     * engine's full resync dumps and repairs). The table answers again afterwards, stale ACKs and all.
     */
    @Test
    void aBatchWhoseAcknowledgementsOverflowTheSocketIsEnobufsAfterItsFirstDatagramsWrites() {
        IpvsTable t = table();
        List<IpvsOperation> adds = new ArrayList<>();
        List<VirtualServerKey> keys = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            VirtualServerKey key = VirtualServerKey.of(ip("10.97." + (i >> 8) + "." + (i & 0xFF)), Protocol.TCP, 80);
            keys.add(key);
            adds.add(new IpvsOperation.AddVirtualServer(VirtualServer.of(key, Scheduler.RR)));
        }
        overflowAcknowledgements(true);
        assertThatThrownBy(() -> t.apply(adds)).isInstanceOfSatisfying(NetlinkException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOBUFS));
        overflowAcknowledgements(false);
        List<VirtualServerKey> held = t.virtualServers().stream().map(s -> s.server().key()).toList();
        assertThat(held).as("a first part of the batch, in order: its first datagram").isNotEmpty().hasSizeLessThan(adds.size())
                .containsExactlyInAnyOrderElementsOf(keys.subList(0, held.size()));
        VirtualServer web = VirtualServer.of(WEB, Scheduler.RR);
        assertThat(t.apply(List.of(new IpvsOperation.AddVirtualServer(web)))).isEmpty();
        assertThat(t.virtualServers()).hasSize(held.size() + 1);
    }
}
