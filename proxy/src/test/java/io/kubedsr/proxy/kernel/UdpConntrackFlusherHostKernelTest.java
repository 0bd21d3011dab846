package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.conntrack.Conntrack;
import io.kubedsr.proxy.plan.DrainKey;

/**
 * The flusher against real conntrack entries shaped like IPVS's (an nftables DNAT stands in for IPVS, which the
 * host kernel lacks): original destination VIP:port, reply source RIP:port. /proc/net/nf_conntrack is the oracle.
 */
@Tag("hostkernel")
class UdpConntrackFlusherHostKernelTest {
    private static final InetAddress VIP = IpPrefix.parseAddress("10.96.0.10");
    private TestNamespace ns;
    private Conntrack conntrack;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        for (String a : List.of("10.96.0.10/32", "10.0.0.1/32", "10.0.0.2/32")) {
            ns.exec("ip", "addr", "add", a, "dev", "lo");
        }
        ns.exec("nft", "add table ip t; add chain ip t out { type nat hook output priority -100; policy accept; }; "
                + "add rule ip t out ip daddr 10.96.0.10 udp sport 40001 udp dport 53 dnat to 10.0.0.1:5353; "
                + "add rule ip t out ip daddr 10.96.0.10 udp sport 40002 udp dport 53 dnat to 10.0.0.2:5353; "
                + "add rule ip t out ip daddr 10.96.0.10 udp sport 40003 udp dport 53 dnat to 10.0.0.1:5354; "
                + "add rule ip t out ip daddr 10.96.0.10 udp dport 54 dnat to 10.0.0.1:5353");
        conntrack = new Conntrack(ns.namespace().openConnection(NetlinkProtocol.NETFILTER));
    }

    @AfterEach
    void tearDown() {
        conntrack.close();
        ns.close();
    }

    private void send(int sourcePort, int port) {
        ns.namespace().run(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(sourcePort))) {
                s.send(new DatagramPacket(new byte[] {1}, 1, new InetSocketAddress(VIP, port)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void flushesOnlyTheRemovedRealServersFlowsOfThatVirtualServer() {
        send(40001, 53); // VIP:53 -> 10.0.0.1:5353  removed
        send(40002, 53); // VIP:53 -> 10.0.0.2:5353  another real server
        send(40003, 53); // VIP:53 -> 10.0.0.1:5354  same address, other port
        send(40004, 54); // VIP:54 -> 10.0.0.1:5353  another virtual server
        DrainKey removed = new DrainKey(VirtualServerKey.of(VIP, Protocol.UDP, 53),
                new RealServerKey(IpPrefix.parseAddress("10.0.0.1"), 5353));

        int deleted = new UdpConntrackFlusher(conntrack).flush(List.of(removed));

        assertThat(deleted).isEqualTo(1);
        String table = ns.exec("cat", "/proc/net/nf_conntrack");
        assertThat(table).doesNotContain("sport=40001 dport=53");
        assertThat(table).contains("sport=40002 dport=53").contains("sport=40003 dport=53").contains("sport=40004 dport=54");
    }
}
