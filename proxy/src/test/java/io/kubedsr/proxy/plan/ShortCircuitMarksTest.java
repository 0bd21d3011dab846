package io.kubedsr.proxy.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;

class ShortCircuitMarksTest {
    private static final ShortCircuitMarks.Key WEB = new ShortCircuitMarks.Key(
            new ServicePortKey(new ServiceRef("default", "web"), "http", Protocol.TCP), AddressFamily.INET);
    private static final ShortCircuitMarks.Key API = new ShortCircuitMarks.Key(
            new ServicePortKey(new ServiceRef("default", "api"), "http", Protocol.TCP), AddressFamily.INET);
    private static final VirtualServerKey.ByAddress WEB_LB = (VirtualServerKey.ByAddress) VirtualServerKey.of(
            IpPrefix.parseAddress("203.0.113.7"), Protocol.TCP, 80);

    @Test
    void marksCarryTheMasqueradeBitAndNeverEqualADsrMark() {
        int mark = new ShortCircuitMarks().markFor(WEB, List.of());
        assertThat(mark).isBetween(ShortCircuitMarks.MIN, ShortCircuitMarks.MAX);
        assertThat(mark & ShortCircuitMarks.MASQUERADE_BIT).isNotZero();
        assertThat(io.kubedsr.proxy.dsr.DsrMarks.inRange(mark)).isFalse();
    }

    @Test
    void aRestartedAgentTakesBackTheMarkOneOfItsAddressesHad() {
        int natural = new ShortCircuitMarks().markFor(WEB, List.of());
        int other = natural == ShortCircuitMarks.MAX ? ShortCircuitMarks.MIN : natural + 1;
        ShortCircuitMarks marks = new ShortCircuitMarks();
        marks.recover(Map.of(WEB_LB, other));
        assertThat(marks.isKnown(other)).as("stale until a plan takes it").isTrue();
        assertThat(marks.markFor(WEB, List.of(WEB_LB))).isEqualTo(other);
        assertThat(marks.markFor(API, List.of(WEB_LB))).as("a mark goes to one key only").isNotEqualTo(other);
        marks.retainOnly(Set.of(WEB));
        assertThat(marks.isKnown(other)).isTrue();
        assertThat(marks.markOf(API)).isNull();
    }
}
