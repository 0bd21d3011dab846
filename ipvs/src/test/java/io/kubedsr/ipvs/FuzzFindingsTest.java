package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/** What the IPVS fuzz target found (docs/reliability.md), each input kept as a regression test. */
class FuzzFindingsTest {
    @Test
    void timeoutAboveIntegerMaxIsADecodeError() {
        // IPVS_CMD_ATTR_TIMEOUT_TCP 0xFFFFFFFF read as -1: IpvsTimeouts refused it with IllegalArgumentException.
        AttributeWriter w = new AttributeWriter();
        w.rawU8(IpvsConstants.CMD_GET_CONFIG).rawU8(1).rawU16(0);
        w.u32(IpvsConstants.CMD_ATTR_TIMEOUT_TCP, 0xFFFFFFFFL);
        NetlinkMessage m = new NetlinkMessage(0x20, 0, 1, 0, w.toByteArray());
        assertThatThrownBy(() -> IpvsDecoders.timeouts(m)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("timeouts");
    }
}
