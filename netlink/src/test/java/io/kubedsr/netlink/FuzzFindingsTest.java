package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.conntrack.ConntrackRequests;
import io.kubedsr.netlink.conntrack.CtConstants;
import io.kubedsr.netlink.route.RtnlDecoders;

/** What the fuzz targets of this module found (docs/reliability.md), each input kept as a regression test. */
class FuzzFindingsTest {
    @Test
    void errorMessageWithTheSmallestIntIsAnUnknownErrnoNotACrash() {
        // Errno.of(Integer.MIN_VALUE): Math.abs kept it negative and indexed the errno table with it.
        byte[] payload = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(Integer.MIN_VALUE).array();
        NetlinkException e = NetlinkConnection.errorOf("fuzz", new NetlinkMessage(NetlinkFlags.NLMSG_ERROR, 0, 1, 0, payload));
        assertThat(e.errno()).isEqualTo(Errno.UNKNOWN);
        assertThat(Errno.of(Integer.MIN_VALUE)).isEqualTo(Errno.UNKNOWN);
    }

    @Test
    void linkWithoutANameIsADecodeErrorNotAnUnhashableLink() {
        // An RTM_NEWLINK without IFLA_IFNAME decoded to a Link whose hashCode threw NullPointerException.
        byte[] ifinfomsg = new byte[16];
        assertThatThrownBy(() -> RtnlDecoders.decodeAny(new NetlinkMessage(16, 0, 1, 0, ifinfomsg)))
                .isInstanceOf(NetlinkDecodeException.class).hasMessageContaining("IFLA_IFNAME");
    }

    @Test
    void routeOfFamilyUnspecIsADecodeError() {
        // rtm_family 0 and no RTA_DST: the default destination 0.0.0.0/:: of no family threw IllegalStateException.
        byte[] rtmsg = new byte[12];
        assertThatThrownBy(() -> RtnlDecoders.decodeAny(new NetlinkMessage(24, 0, 1, 0, rtmsg)))
                .isInstanceOf(NetlinkDecodeException.class).hasMessageContaining("AF_UNSPEC");
    }

    @Test
    void conntrackTupleMixingFamiliesIsADecodeError() {
        // Found reading the conntrack target's coverage: an IPv4 source beside an IPv6 destination escaped as
        // IllegalArgumentException from the tuple's constructor.
        AttributeWriter w = new AttributeWriter();
        w.rawU8(2).rawU8(0).rawU16(0);
        for (int type : new int[] {CtConstants.CTA_TUPLE_ORIG, CtConstants.CTA_TUPLE_REPLY}) {
            int t = w.beginNested(type);
            int ip = w.beginNested(CtConstants.CTA_TUPLE_IP);
            w.address(CtConstants.CTA_IP_V4_SRC, IpPrefix.parseAddress("10.0.0.1"));
            w.address(CtConstants.CTA_IP_V6_DST, IpPrefix.parseAddress("fd00::1"));
            w.endNested(ip);
            int proto = w.beginNested(CtConstants.CTA_TUPLE_PROTO);
            w.u8(CtConstants.CTA_PROTO_NUM, CtConstants.IPPROTO_UDP);
            w.endNested(proto);
            w.endNested(t);
        }
        NetlinkMessage m = new NetlinkMessage(CtConstants.messageType(CtConstants.IPCTNL_MSG_CT_NEW), 0, 1, 0, w.toByteArray());
        assertThatThrownBy(() -> ConntrackRequests.decode(m)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("inconsistent conntrack entry");
    }
}
