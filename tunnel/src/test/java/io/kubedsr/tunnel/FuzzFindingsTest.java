package io.kubedsr.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/** What the FOU fuzz target found (docs/reliability.md), kept as regression tests. */
class FuzzFindingsTest {
    private static NetlinkMessage entry(int port, int family) {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(FouClient.CMD_GET).rawU8(1).rawU16(0);
        w.u16Be(FouClient.ATTR_PORT, port).u8(FouClient.ATTR_AF, family).u8(FouClient.ATTR_TYPE, FouClient.ENCAP_GUE);
        return new NetlinkMessage(0x20, 0, 1, 0, w.toByteArray());
    }

    @Test
    void gueEntryWithPortZeroOrNoFamilyIsADecodeError() {
        // FouPort refused port 0 and AF_UNSPEC with IllegalArgumentException, which escaped the dump.
        assertThatThrownBy(() -> FouClient.decodePort(entry(0, 2))).isInstanceOf(NetlinkDecodeException.class);
        assertThatThrownBy(() -> FouClient.decodePort(entry(5555, 0))).isInstanceOf(NetlinkDecodeException.class);
        assertThat(FouClient.decodePort(entry(5555, 10))).isEqualTo(new FouPort(io.kubedsr.netlink.AddressFamily.INET6, 5555));
    }
}
