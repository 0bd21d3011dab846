package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;

class TunnelNamesTest {

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void addressesThatCollideUnderKubeRoutersSchemeGetDistinctNames() {
        // kube-router strips the dots: both would be "tun-21304".
        assertThat(TunnelNames.forPeer(ip("21.3.0.4"))).isEqualTo("tun-15030004");
        assertThat(TunnelNames.forPeer(ip("2.13.0.4"))).isEqualTo("tun-020d0004");
    }

    @Test
    void ipv4NamesAreTheAddressInHexAndDistinctForEveryAddress() {
        assertThat(TunnelNames.forPeer(ip("10.0.1.5"))).isEqualTo("tun-0a000105");
        Random r = new Random(5);
        Set<String> names = new HashSet<>();
        Set<Integer> addresses = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            int a = r.nextInt();
            if (addresses.add(a)) {
                byte[] b = java.nio.ByteBuffer.allocate(4).putInt(a).array();
                assertThat(names.add(TunnelNames.forPeer(IpPrefix.parseAddress((b[0] & 0xFF) + "." + (b[1] & 0xFF) + "."
                        + (b[2] & 0xFF) + "." + (b[3] & 0xFF))))).isTrue();
            }
        }
    }

    @Test
    void ipv6NamesFitFifteenCharactersAndAreStable() {
        String a = TunnelNames.forPeer(ip("fd00:10::1"));
        assertThat(a).hasSize(15).startsWith("tun-").matches("tun-[a-z2-7]{11}");
        assertThat(TunnelNames.forPeer(ip("fd00:10:0::1"))).isEqualTo(a);
        assertThat(TunnelNames.forPeer(ip("fd00:10::2"))).isNotEqualTo(a);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            names.add(TunnelNames.forPeer(ip("fd00:" + Integer.toHexString(i >> 16) + "::" + Integer.toHexString(i & 0xFFFF))));
        }
        assertThat(names).hasSize(100_000);
    }

    @Test
    void recognisesItsOwnNamesOnly() {
        assertThat(TunnelNames.isTunnelName(TunnelNames.forPeer(ip("10.0.0.1")))).isTrue();
        assertThat(TunnelNames.isTunnelName(TunnelNames.forPeer(ip("fd00::1")))).isTrue();
        assertThat(TunnelNames.isTunnelName("tunl0")).isFalse();
        assertThat(TunnelNames.isTunnelName("tun-mine")).isFalse();
        assertThat(TunnelNames.isTunnelName("kube-tunnel-if")).isFalse();
    }

    private static io.kubedsr.netlink.route.Link tunnel(String name, String remote) {
        java.net.InetAddress r = ip(remote);
        io.kubedsr.netlink.AddressFamily f = io.kubedsr.netlink.AddressFamily.of(r);
        return new io.kubedsr.netlink.route.Link(7, name, 0, 1480, 0, new byte[0], new io.kubedsr.netlink.route.LinkKind.IpTunnel(
                f, null, r, 225, false, io.kubedsr.netlink.route.TunnelEncap.NONE));
    }

    /** kube-router's tunnel names (tun- and 11 hex digits) can fit the IPv6 pattern; they are still not ours. */
    @Test
    void aLinkIsOursOnlyWhenItsNameIsTheNameOfItsRemote() {
        assertThat(TunnelNames.isOurs(tunnel(TunnelNames.forPeer(ip("10.0.0.1")), "10.0.0.1"))).isTrue();
        assertThat(TunnelNames.isOurs(tunnel(TunnelNames.forPeer(ip("fd00::1")), "fd00::1"))).isTrue();
        assertThat(TunnelNames.isTunnelName("tun-abcdef23456")).as("a kube-router-style name fits the pattern").isTrue();
        assertThat(TunnelNames.isOurs(tunnel("tun-abcdef23456", "fd00::1"))).isFalse();
        assertThat(TunnelNames.isOurs(tunnel(TunnelNames.forPeer(ip("10.0.0.1")), "10.0.0.2"))).isFalse();
    }
}
