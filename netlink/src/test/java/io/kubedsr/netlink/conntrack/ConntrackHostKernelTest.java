package io.kubedsr.netlink.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;

/**
 * Real conntrack entries in a fresh namespace: an nftables DNAT in the output hook sends UDP to a "VIP"
 * on to two "real servers", so the entries look like IPVS's (original destination the VIP, reply source the
 * real server). /proc/net/nf_conntrack is the oracle, independent of the decoder under test.
 */
@Tag("hostkernel")
class ConntrackHostKernelTest {
    private static final InetAddress VIP = UdpDnatLab.VIP;
    private static final InetAddress RS1 = IpPrefix.parseAddress("10.0.0.1");
    private UdpDnatLab lab;
    private Conntrack conntrack;

    @BeforeEach
    void setUp() {
        lab = new UdpDnatLab(List.of(
                "ip daddr 10.96.0.10 udp sport 40001 udp dport 53 dnat to 10.0.0.1:5353",
                "ip daddr 10.96.0.10 udp sport 40002 udp dport 53 dnat to 10.0.0.2:5353",
                "ip daddr 10.96.0.10 udp dport 54 dnat to 10.0.0.1:5353"));
        conntrack = lab.conntrack;
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void deletesOnlyTheEntriesOfOneRealServerOfOneVirtualServer() {
        lab.send(40001, 53); // VIP:53 -> RS1:5353  (to flush)
        lab.send(40002, 53); // VIP:53 -> RS2:5353  (other real server: stays)
        lab.send(40003, 54); // VIP:54 -> RS1:5353  (other virtual server, same real server: stays)
        String before = lab.table();
        assertThat(before.lines().filter(l -> l.contains("dst=10.96.0.10")).count()).isEqualTo(3);

        List<ConntrackEntry> dumped = conntrack.entries(AddressFamily.INET);
        assertThat(dumped).contains(new ConntrackEntry(
                new ConntrackTuple(VIP, VIP, CtConstants.IPPROTO_UDP, 40001, 53),
                new ConntrackTuple(RS1, VIP, CtConstants.IPPROTO_UDP, 5353, 40001), 0));

        int deleted = conntrack.delete(AddressFamily.INET, e -> e.original().protocol() == CtConstants.IPPROTO_UDP
                && e.original().destination().equals(VIP) && e.original().destinationPort() == 53
                && e.reply().source().equals(RS1) && e.reply().sourcePort() == 5353);

        assertThat(deleted).isEqualTo(1);
        String after = lab.table();
        assertThat(after).doesNotContain("sport=40001 dport=53");
        assertThat(after).contains("sport=40002 dport=53").contains("sport=40003 dport=54");
        assertThat(conntrack.entries(AddressFamily.INET)).hasSize(dumped.size() - 1);
    }

    @Test
    void nothingMatchingDeletesNothing() {
        lab.send(40002, 53);
        int deleted = conntrack.delete(AddressFamily.INET, e -> e.reply().source().equals(RS1));
        assertThat(deleted).isZero();
        assertThat(lab.table()).contains("sport=40002 dport=53");
    }
}
