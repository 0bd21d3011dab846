package io.kubedsr.netlink.conntrack;

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

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/**
 * Real conntrack entries in a fresh namespace: an nftables DNAT in the output hook sends UDP to a "VIP"
 * on to two "real servers", so the entries look like IPVS's (original destination the VIP, reply source the
 * real server). /proc/net/nf_conntrack is the oracle, independent of the decoder under test.
 */
@Tag("hostkernel")
class ConntrackHostKernelTest {
    private static final InetAddress VIP = IpPrefix.parseAddress("10.96.0.10");
    private static final InetAddress RS1 = IpPrefix.parseAddress("10.0.0.1");
    private TestNamespace ns;
    private Conntrack conntrack;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        for (String a : List.of("10.96.0.10/32", "10.0.0.1/32", "10.0.0.2/32")) {
            ns.exec("ip", "addr", "add", a, "dev", "lo");
        }
        ns.exec("nft", "add table ip kdsrtest; "
                + "add chain ip kdsrtest out { type nat hook output priority -100; policy accept; }; "
                + "add rule ip kdsrtest out ip daddr 10.96.0.10 udp sport 40001 udp dport 53 dnat to 10.0.0.1:5353; "
                + "add rule ip kdsrtest out ip daddr 10.96.0.10 udp sport 40002 udp dport 53 dnat to 10.0.0.2:5353; "
                + "add rule ip kdsrtest out ip daddr 10.96.0.10 udp dport 54 dnat to 10.0.0.1:5353");
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
    void deletesOnlyTheEntriesOfOneRealServerOfOneVirtualServer() {
        send(40001, 53); // VIP:53 -> RS1:5353  (to flush)
        send(40002, 53); // VIP:53 -> RS2:5353  (other real server: stays)
        send(40003, 54); // VIP:54 -> RS1:5353  (other virtual server, same real server: stays)
        String before = ns.exec("cat", "/proc/net/nf_conntrack");
        assertThat(before.lines().filter(l -> l.contains("dst=10.96.0.10")).count()).isEqualTo(3);

        List<ConntrackEntry> dumped = conntrack.entries(AddressFamily.INET);
        assertThat(dumped).contains(new ConntrackEntry(
                new ConntrackTuple(VIP, VIP, CtConstants.IPPROTO_UDP, 40001, 53),
                new ConntrackTuple(RS1, VIP, CtConstants.IPPROTO_UDP, 5353, 40001), 0));

        int deleted = conntrack.delete(AddressFamily.INET, e -> e.original().protocol() == CtConstants.IPPROTO_UDP
                && e.original().destination().equals(VIP) && e.original().destinationPort() == 53
                && e.reply().source().equals(RS1) && e.reply().sourcePort() == 5353);

        assertThat(deleted).isEqualTo(1);
        String after = ns.exec("cat", "/proc/net/nf_conntrack");
        assertThat(after).doesNotContain("sport=40001 dport=53");
        assertThat(after).contains("sport=40002 dport=53").contains("sport=40003 dport=54");
        assertThat(conntrack.entries(AddressFamily.INET)).hasSize(dumped.size() - 1);
    }

    @Test
    void nothingMatchingDeletesNothing() {
        send(40002, 53);
        int deleted = conntrack.delete(AddressFamily.INET, e -> e.reply().source().equals(RS1));
        assertThat(deleted).isZero();
        assertThat(ns.exec("cat", "/proc/net/nf_conntrack")).contains("sport=40002 dport=53");
    }
}
