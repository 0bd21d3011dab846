package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.conntrack.UdpDnatLab;
import io.kubedsr.proxy.plan.DrainKey;

/**
 * The flusher against real conntrack entries shaped like IPVS's (an nftables DNAT stands in for IPVS, which the
 * host kernel lacks): original destination VIP:port, reply source RIP:port. /proc/net/nf_conntrack is the oracle.
 */
@Tag("hostkernel")
class UdpConntrackFlusherHostKernelTest {
    private static final InetAddress VIP = UdpDnatLab.VIP;
    private UdpDnatLab lab;

    @BeforeEach
    void setUp() {
        lab = new UdpDnatLab(List.of(
                "ip daddr 10.96.0.10 udp sport 40001 udp dport 53 dnat to 10.0.0.1:5353",
                "ip daddr 10.96.0.10 udp sport 40002 udp dport 53 dnat to 10.0.0.2:5353",
                "ip daddr 10.96.0.10 udp sport 40003 udp dport 53 dnat to 10.0.0.1:5354",
                "ip daddr 10.96.0.10 udp dport 54 dnat to 10.0.0.1:5353"));
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    @Test
    void flushesOnlyTheRemovedRealServersFlowsOfThatVirtualServer() {
        lab.send(40001, 53); // VIP:53 -> 10.0.0.1:5353  removed
        lab.send(40002, 53); // VIP:53 -> 10.0.0.2:5353  another real server
        lab.send(40003, 53); // VIP:53 -> 10.0.0.1:5354  same address, other port
        lab.send(40004, 54); // VIP:54 -> 10.0.0.1:5353  another virtual server
        DrainKey removed = new DrainKey(VirtualServerKey.of(VIP, Protocol.UDP, 53),
                new RealServerKey(IpPrefix.parseAddress("10.0.0.1"), 5353));

        int deleted = new UdpConntrackFlusher(lab.conntrack).flush(List.of(removed));

        assertThat(deleted).isEqualTo(1);
        String table = lab.table();
        assertThat(table).doesNotContain("sport=40001 dport=53");
        assertThat(table).contains("sport=40002 dport=53").contains("sport=40003 dport=53").contains("sport=40004 dport=54");
    }
}
