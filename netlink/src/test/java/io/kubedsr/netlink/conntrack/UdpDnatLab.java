package io.kubedsr.netlink.conntrack;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/**
 * Real conntrack entries shaped like IPVS's, in a fresh namespace of this host's kernel (which has no IPVS): an
 * nftables DNAT in the output hook sends UDP from the namespace to {@link #VIP} on to "real servers" 10.0.0.1
 * and 10.0.0.2, so an entry's original destination is VIP:port and its reply source RIP:port.
 * /proc/net/nf_conntrack ({@link #table()}) is the independent oracle.
 */
public final class UdpDnatLab implements AutoCloseable {
    public static final InetAddress VIP = IpPrefix.parseAddress("10.96.0.10");

    public final TestNamespace ns;
    public final Conntrack conntrack;

    /** {@code dnatRules}: nft rule bodies for the output chain, e.g. {@code ip daddr 10.96.0.10 udp dport 54 dnat to 10.0.0.1:5353}. */
    public UdpDnatLab(List<String> dnatRules) {
        ns = TestNamespace.create();
        for (String a : List.of("10.96.0.10/32", "10.0.0.1/32", "10.0.0.2/32")) {
            ns.exec("ip", "addr", "add", a, "dev", "lo");
        }
        StringBuilder script = new StringBuilder("add table ip dnatlab; "
                + "add chain ip dnatlab out { type nat hook output priority -100; policy accept; }");
        for (String rule : dnatRules) {
            script.append("; add rule ip dnatlab out ").append(rule);
        }
        ns.exec("nft", script.toString());
        conntrack = new Conntrack(ns.namespace().openConnection(NetlinkProtocol.NETFILTER));
    }

    /** Sends one UDP datagram from the namespace, source port {@code sourcePort}, to VIP:{@code port}. */
    public void send(int sourcePort, int port) {
        ns.namespace().run(() -> {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(sourcePort))) {
                s.send(new DatagramPacket(new byte[] {1}, 1, new InetSocketAddress(VIP, port)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The kernel's own listing of the namespace's conntrack table. */
    public String table() {
        return ns.exec("cat", "/proc/net/nf_conntrack");
    }

    @Override
    public void close() {
        conntrack.close();
        ns.close();
    }
}
