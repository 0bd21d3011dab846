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
}
