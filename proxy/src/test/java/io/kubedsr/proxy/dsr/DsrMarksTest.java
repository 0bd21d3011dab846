package io.kubedsr.proxy.dsr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;

class DsrMarksTest {
    static VirtualServerKey.ByAddress key(String ip, Protocol p, int port) {
        return (VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress(ip), p, port);
    }

    static VirtualServerKey.ByAddress key(int i) throws Exception {
        return (VirtualServerKey.ByAddress) VirtualServerKey.of(InetAddress.getByAddress(new byte[] {(byte) 198, 51,
                (byte) (i >> 8), (byte) i}), i % 2 == 0 ? Protocol.TCP : Protocol.UDP, 80 + i % 7);
    }

    @Test
    void everyServiceGetsItsOwnMarkInTheRangeEvenWhenTheRangeFillsUp() throws Exception {
        DsrMarks marks = new DsrMarks();
        Set<Integer> seen = new HashSet<>();
        int services = DsrMarks.MAX - DsrMarks.MIN + 1;
        for (int i = 0; i < services; i++) {
            int m = marks.markFor(key(i));
            assertThat(m).isBetween(DsrMarks.MIN, DsrMarks.MAX);
            assertThat(seen.add(m)).as("mark %d given twice", m).isTrue();
            assertThat(m & 0x4000).as("clear of the masquerade bit").isZero();
        }
        assertThatThrownBy(() -> marks.markFor(key(services))).hasMessageContaining("all 16383 DSR marks are in use");
    }

    @Test
    void aServiceKeepsItsMarkAndTheSameSetOfServicesGetsTheSameMarksInAnotherAgent() throws Exception {
        DsrMarks a = new DsrMarks();
        DsrMarks b = new DsrMarks();
        for (int i = 0; i < 500; i++) {
            a.markFor(key(i));
            b.markFor(key(i));
        }
        assertThat(a.assigned()).isEqualTo(b.assigned());
        assertThat(a.markFor(key(7))).isEqualTo(a.assigned().get(key(7)));
    }

    @Test
    void recoveredMarksAreKeptAndNewServicesProbePastThem() {
        VirtualServerKey.ByAddress web = key("203.0.113.10", Protocol.TCP, 80);
        VirtualServerKey.ByAddress dns = key("203.0.113.53", Protocol.UDP, 53);
        int natural = new DsrMarks().markFor(dns);
        DsrMarks marks = new DsrMarks();
        marks.recover(Map.of(web, natural)); // web happens to hold the mark dns would hash to
        assertThat(marks.markFor(web)).isEqualTo(natural);
        assertThat(marks.markFor(dns)).isNotEqualTo(natural);
        Map<VirtualServerKey.ByAddress, Integer> bad = new HashMap<>();
        bad.put(key("203.0.113.11", Protocol.TCP, 80), 0x4000);
        marks.recover(bad);
        assertThat(marks.assigned()).hasSize(2).doesNotContainKey(key("203.0.113.11", Protocol.TCP, 80));
    }

    @Test
    void releasedMarksAreFreeAgain() {
        DsrMarks marks = new DsrMarks();
        VirtualServerKey.ByAddress web = key("203.0.113.10", Protocol.TCP, 80);
        int m = marks.markFor(web);
        marks.retainOnly(Set.of());
        assertThat(marks.isAssigned(m)).isFalse();
        assertThat(marks.assigned()).isEmpty();
        assertThat(marks.markFor(web)).as("deterministic: the same mark again").isEqualTo(m);
    }
}
