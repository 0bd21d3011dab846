package io.kubedsr.e2e.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.IpvsException;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsTimeouts;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.ipvs.TunnelChecksum;
import io.kubedsr.ipvs.TunnelType;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/** The IPVS client against the kernel, with ipvsadm as the independent oracle in both directions. */
@Order(4)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "ip_vs_wlc", "ip_vs_sed", "ip_vs_mh"}, timeoutSeconds = 240)
class IpvsRealKernelTest {
    private TestNamespace ns;
    private IpvsClient ipvs;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create(); // lo is up: IPVS refuses real servers in a namespace until it is
        ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
    }

    @AfterEach
    void tearDown() {
        ipvs.close();
        ns.close();
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    private static final VirtualServerKey TCP80 = VirtualServerKey.of(ip("10.0.0.1"), Protocol.TCP, 80);
    private static final VirtualServerKey SCTP99 = VirtualServerKey.of(ip("10.0.0.9"), Protocol.SCTP, 99);
    private static final VirtualServerKey UDP53V6 = VirtualServerKey.of(ip("fd00::1"), Protocol.UDP, 53);
    private static final VirtualServerKey FWM7 = VirtualServerKey.ofFwmark(AddressFamily.INET, 7);
    private static final VirtualServerKey FWM8V6 = VirtualServerKey.ofFwmark(AddressFamily.INET6, 8);

    private static final VirtualServer TCP80_VS = new VirtualServer(TCP80, Scheduler.RR, EnumSet.of(ServiceFlag.PERSISTENT), 100, 24);
    private static final VirtualServer SCTP99_VS = VirtualServer.of(SCTP99, Scheduler.SED);
    private static final VirtualServer UDP53_VS = VirtualServer.of(UDP53V6, Scheduler.WLC).withFlags(EnumSet.of(ServiceFlag.ONE_PACKET));
    private static final VirtualServer FWM7_VS = VirtualServer.of(FWM7, Scheduler.MH).withFlags(EnumSet.of(ServiceFlag.SCHED1, ServiceFlag.SCHED2));
    private static final VirtualServer FWM8_VS = VirtualServer.of(FWM8V6, Scheduler.RR);

    private static final RealServer TCP80_RS = RealServer.of(ip("10.0.0.2"), 8080, Forwarding.MASQUERADE, 1);
    private static final RealServer UDP53_RS = RealServer.of(ip("fd00::2"), 53, Forwarding.tunnel(TunnelType.GRE, 0, TunnelChecksum.CSUM), 1);
    private static final RealServer FWM7_RS = RealServer.of(ip("10.0.0.5"), 0, Forwarding.gue(5555), 2);
    /** An IPv4 real server behind an IPv6 fwmark service: mixed families need tunnel mode. */
    private static final RealServer FWM8_RS = RealServer.of(ip("10.0.0.7"), 0, Forwarding.ipip(), 1);

    /** What `ipvsadm -S -n` prints for the table above (ipvsadm 1.31). */
    private static final Set<String> SAVED = Set.of(
            "-A -t 10.0.0.1:80 -s rr -p 100 -M 255.255.255.0",
            "-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 1",
            "-A --sctp-service 10.0.0.9:99 -s sed",
            "-A -u [fd00::1]:53 -s wlc -o",
            "-a -u [fd00::1]:53 -r [fd00::2]:53 -i -w 1 --tun-type gre --tun-csum",
            "-A -f 7 -s mh -b mh-fallback,mh-port",
            "-a -f 7 -r 10.0.0.5:0 -i -w 2 --tun-type gue --tun-port 5555 --tun-nocsum",
            "-A -f 8 -6 -s rr",
            "-a -f 8 -6 -r 10.0.0.7:0 -i -w 1 --tun-type ipip");

    private Set<String> saved() {
        return ns.exec("ipvsadm", "-S", "-n").lines().map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.toSet());
    }

    private void writeTableThroughJava() {
        for (VirtualServer vs : List.of(TCP80_VS, SCTP99_VS, UDP53_VS, FWM7_VS, FWM8_VS)) {
            ipvs.addVirtualServer(vs);
        }
        ipvs.addRealServer(TCP80, TCP80_RS);
        ipvs.addRealServer(UDP53V6, UDP53_RS);
        ipvs.addRealServer(FWM7, FWM7_RS);
        ipvs.addRealServer(FWM8V6, FWM8_RS);
    }

    @Test
    void whatJavaWritesIpvsadmReads() {
        writeTableThroughJava();
        assertThat(saved()).isEqualTo(SAVED);
        assertThat(ns.exec("ipvsadm", "-Ln", "--tun-info")).contains("gue:5555:-c").contains("gre:+c");
    }

    @Test
    void whatIpvsadmWritesJavaReads() throws Exception {
        Path rules = Files.createTempFile("ipvsadm", ".rules");
        Files.writeString(rules, String.join("\n", SAVED.stream().sorted((a, b) -> a.startsWith("-A") == b.startsWith("-A") ? 0
                : a.startsWith("-A") ? -1 : 1).toList()) + "\n");
        ns.exec("sh", "-c", "ipvsadm -R < " + rules);
        Files.delete(rules);

        assertThat(ipvs.virtualServers()).extracting(VirtualServerStatus::server)
                .containsExactlyInAnyOrder(TCP80_VS, SCTP99_VS, UDP53_VS, FWM7_VS, FWM8_VS);
        assertThat(ipvs.realServers(TCP80)).extracting(RealServerStatus::server).containsExactly(TCP80_RS);
        assertThat(ipvs.realServers(UDP53V6)).extracting(RealServerStatus::server).containsExactly(UDP53_RS);
        assertThat(ipvs.realServers(FWM7)).extracting(RealServerStatus::server).containsExactly(FWM7_RS);
        assertThat(ipvs.realServers(FWM8V6)).extracting(RealServerStatus::server).containsExactly(FWM8_RS);
        assertThat(ipvs.realServers(SCTP99)).isEmpty();
        assertThat(ipvs.virtualServer(FWM7)).map(VirtualServerStatus::server).contains(FWM7_VS);
    }

    @Test
    void editsAndDeletesShowInIpvsadm() {
        writeTableThroughJava();
        ipvs.editVirtualServer(TCP80_VS.withScheduler(Scheduler.WLC).withFlags(Set.of()));
        ipvs.editRealServer(TCP80, TCP80_RS.withWeight(0));
        ipvs.addRealServer(TCP80, RealServer.of(ip("10.0.0.3"), 8080, Forwarding.MASQUERADE, 5));
        assertThat(saved()).contains("-A -t 10.0.0.1:80 -s wlc", "-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 0",
                "-a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 5");

        ipvs.deleteRealServer(TCP80, TCP80_RS.key());
        ipvs.deleteVirtualServer(SCTP99);
        ipvs.deleteVirtualServer(FWM8V6);
        assertThat(saved()).doesNotContain("-a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 0", "-A --sctp-service 10.0.0.9:99 -s sed",
                "-A -f 8 -6 -s rr").contains("-a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 5");
        assertThat(ipvs.virtualServer(SCTP99)).isEmpty();

        ipvs.flush();
        assertThat(ipvs.virtualServers()).isEmpty();
        assertThat(saved()).isEmpty();
    }

    @Test
    void kernelErrorsAreTyped() {
        ipvs.addVirtualServer(TCP80_VS);
        ipvs.addRealServer(TCP80, TCP80_RS);
        assertThatThrownBy(() -> ipvs.addVirtualServer(TCP80_VS))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.reason()).isEqualTo(IpvsException.Reason.ALREADY_EXISTS));
        assertThatThrownBy(() -> ipvs.addVirtualServer(VirtualServer.of(SCTP99, new Scheduler("nosuch"))))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.isSchedulerNotFound()).isTrue());
        assertThatThrownBy(() -> ipvs.deleteVirtualServer(SCTP99))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.isVirtualServerNotFound()).isTrue());
        assertThatThrownBy(() -> ipvs.addRealServer(SCTP99, TCP80_RS))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.isVirtualServerNotFound()).isTrue());
        assertThatThrownBy(() -> ipvs.addRealServer(TCP80, TCP80_RS))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.reason()).isEqualTo(IpvsException.Reason.ALREADY_EXISTS));
        assertThatThrownBy(() -> ipvs.deleteRealServer(TCP80, new RealServerKey(ip("10.0.0.99"), 8080)))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.isRealServerNotFound()).isTrue());
        assertThatThrownBy(() -> ipvs.realServers(SCTP99))
                .isInstanceOfSatisfying(IpvsException.class, e -> assertThat(e.isVirtualServerNotFound()).isTrue());
    }

    @Test
    void pipelinedApplyAttemptsEverythingAndReportsFailuresByIndex() {
        List<IpvsOperation> ops = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            VirtualServerKey key = VirtualServerKey.of(ip("10.1." + (i / 200) + "." + (i % 200)), Protocol.TCP, 80);
            ops.add(new IpvsOperation.AddVirtualServer(VirtualServer.of(key, Scheduler.RR)));
            ops.add(new IpvsOperation.AddRealServer(key, RealServer.of(ip("10.2.0.1"), 80, Forwarding.gue(5555), 1)));
        }
        ops.add(new IpvsOperation.AddVirtualServer(VirtualServer.of(VirtualServerKey.of(ip("10.1.0.0"), Protocol.TCP, 80), Scheduler.RR)));
        ops.add(new IpvsOperation.DeleteRealServer(TCP80, new RealServerKey(ip("10.0.0.2"), 1)));
        List<IpvsFailure> failures = ipvs.apply(ops);
        assertThat(failures).extracting(IpvsFailure::index).containsExactly(600, 601);
        assertThat(failures.get(0).error().reason()).isEqualTo(IpvsException.Reason.ALREADY_EXISTS);
        assertThat(failures.get(1).error().isVirtualServerNotFound()).isTrue();
        assertThat(ipvs.virtualServers()).hasSize(300);
        assertThat(ns.exec("ipvsadm", "-Ln").lines().filter(l -> l.contains("-> 10.2.0.1:80")).count()).isEqualTo(300);
    }

    @Test
    void timeoutsAndInfo() {
        ipvs.setTimeouts(new IpvsTimeouts(1800, 60, 120));
        assertThat(ipvs.timeouts()).isEqualTo(new IpvsTimeouts(1800, 60, 120));
        assertThat(ns.exec("ipvsadm", "-Ln", "--timeout")).contains("1800 60 120");
        ipvs.setTimeouts(new IpvsTimeouts(0, 30, 0)); // 0 leaves a timeout unchanged
        assertThat(ipvs.timeouts()).isEqualTo(new IpvsTimeouts(1800, 30, 120));
        assertThat(ipvs.info().versionString()).isEqualTo("1.2.1");
        assertThat(ipvs.info().connectionTableSize()).isEqualTo(4096);
    }

    /** Real traffic through a masquerade service moves the counters and connection counts. */
    @Test
    void statisticsAndConnectionCountsFollowTraffic() throws Exception {
        try (TestNamespace server = TestNamespace.create()) {
            ns.exec("ip", "link", "add", "kube-dummy-if", "type", "dummy");
            ns.exec("ip", "addr", "add", "10.0.0.1/32", "dev", "kube-dummy-if");
            ns.exec("ip", "link", "set", "kube-dummy-if", "up");
            ns.exec("ip", "link", "add", "d0", "type", "veth", "peer", "name", "s0", "netns", server.name());
            ns.exec("ip", "addr", "add", "10.1.0.1/24", "dev", "d0");
            ns.exec("ip", "link", "set", "d0", "up");
            server.exec("ip", "addr", "add", "10.1.0.2/24", "dev", "s0");
            server.exec("ip", "link", "set", "s0", "up");
            server.exec("ip", "route", "add", "default", "via", "10.1.0.1");
            Path www = Files.createTempDirectory("www");
            Files.writeString(www.resolve("index.html"), "hello from the real server\n");
            server.exec("busybox", "httpd", "-p", "8080", "-h", www.toString());

            VirtualServerKey key = VirtualServerKey.of(ip("10.0.0.1"), Protocol.TCP, 80);
            ipvs.addVirtualServer(VirtualServer.of(key, Scheduler.RR));
            ipvs.addRealServer(key, RealServer.of(ip("10.1.0.2"), 8080, Forwarding.MASQUERADE, 1));
            for (int i = 0; i < 3; i++) {
                assertThat(ns.exec("curl", "-sS", "--max-time", "10", "http://10.0.0.1/")).contains("hello from the real server");
            }
            // The kernel sums its per-CPU counters on the estimator's 2-second timer: wait for the next round.
            RealServerStatus rs = ipvs.realServers(key).get(0);
            for (int i = 0; i < 50 && rs.stats().connections() < 3; i++) {
                Thread.sleep(200);
                rs = ipvs.realServers(key).get(0);
            }
            assertThat(rs.stats().connections()).isEqualTo(3);
            assertThat(rs.stats().inPackets()).isGreaterThanOrEqualTo(9);
            assertThat(rs.stats().outPackets()).isGreaterThan(0);
            assertThat(rs.stats().inBytes()).isGreaterThan(0);
            assertThat(rs.connections()).as("connections still in the table (TIME_WAIT counts as inactive)").isGreaterThanOrEqualTo(1);
            VirtualServerStatus vs = ipvs.virtualServer(key).orElseThrow();
            assertThat(vs.stats().connections()).isEqualTo(3);

            ipvs.zeroCounters();
            assertThat(ipvs.virtualServer(key).orElseThrow().stats().connections()).isZero();
            assertThat(ns.exec("ipvsadm", "-Ln", "--stats")).contains("10.1.0.2:8080");
        }
    }
}
