package io.kubedsr.netlink.genl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.Hex;
import io.kubedsr.netlink.NetlinkMessage;

class GenericNetlinkGoldenTest {

    @Test
    void getFamilyRequest() {
        assertThat(Hex.dump(GenericNetlink.getFamilyRequest("IPVS").bytes())).isEqualTo(Hex.dump(Hex.golden("""
                20000000 1000 0100 00000000 00000000  # len 32, type GENL_ID_CTRL, REQUEST
                03 01 0000                             # genlmsghdr: CTRL_CMD_GETFAMILY, version 1, reserved
                0900 0200 49505653 00000000            # CTRL_ATTR_FAMILY_NAME "IPVS"
                """)));
    }

    @Test
    void decodesFamilyWithMulticastGroups() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(1).rawU8(2).rawU16(0); // CTRL_CMD_NEWFAMILY, version 2
        w.u16(GenericNetlink.CTRL_ATTR_FAMILY_ID, 0x1d);
        w.string(GenericNetlink.CTRL_ATTR_FAMILY_NAME, "fou");
        w.u32(GenericNetlink.CTRL_ATTR_VERSION, 1);
        w.u32(GenericNetlink.CTRL_ATTR_HDRSIZE, 0);
        w.u32(GenericNetlink.CTRL_ATTR_MAXATTR, 12);
        int groups = w.beginNested(GenericNetlink.CTRL_ATTR_MCAST_GROUPS);
        int g1 = w.beginNested(1);
        w.u32(GenericNetlink.CTRL_ATTR_MCAST_GRP_ID, 7).string(GenericNetlink.CTRL_ATTR_MCAST_GRP_NAME, "events");
        w.endNested(g1);
        w.endNested(groups);
        NetlinkMessage m = new NetlinkMessage(0x10, 0, 1, 0, w.toByteArray());
        GenlFamily f = GenericNetlink.decodeFamily(m);
        assertThat(f).isEqualTo(new GenlFamily(0x1d, "fou", 1, 0, 12, java.util.Map.of("events", 7)));
        assertThat(List.of(f.name())).containsExactly("fou");
    }
}
