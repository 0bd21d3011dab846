package io.kubedsr.netlink.conntrack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.Hex;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

class ConntrackRequestsGoldenTest {
    private static final ConntrackTuple ORIG = new ConntrackTuple(IpPrefix.parseAddress("10.0.0.9"),
            IpPrefix.parseAddress("10.96.0.10"), CtConstants.IPPROTO_UDP, 40001, 53);
    private static final ConntrackTuple REPLY = new ConntrackTuple(IpPrefix.parseAddress("10.244.1.5"),
            IpPrefix.parseAddress("10.0.0.9"), CtConstants.IPPROTO_UDP, 5353, 40001);

    @Test
    void dumpRequest() {
        assertThat(Hex.dump(ConntrackRequests.dump(AddressFamily.INET).bytes())).isEqualTo(Hex.dump(Hex.golden("""
                14000000 0101 0103 00000000 00000000  # len 20, CTNETLINK<<8|IPCTNL_MSG_CT_GET, REQUEST|DUMP
                02 00 0000                             # nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
                """)));
    }

    @Test
    void deleteRequestNamesTheOriginalTuple() {
        assertThat(Hex.dump(ConntrackRequests.delete(new ConntrackEntry(ORIG, REPLY, 0)).bytes())).isEqualTo(Hex.dump(Hex.golden("""
                48000000 0201 0100 00000000 00000000  # len 72, CTNETLINK<<8|IPCTNL_MSG_CT_DELETE, REQUEST
                02 00 0000                             # nfgenmsg: AF_INET
                3400 0180                              # CTA_TUPLE_ORIG (nested), 52 bytes
                1400 0180                              #   CTA_TUPLE_IP (nested)
                0800 0100 0a000009                     #     CTA_IP_V4_SRC 10.0.0.9
                0800 0200 0a60000a                     #     CTA_IP_V4_DST 10.96.0.10
                1c00 0280                              #   CTA_TUPLE_PROTO (nested)
                0500 0100 11000000                     #     CTA_PROTO_NUM 17 (UDP)
                0600 0200 9c41 0000                    #     CTA_PROTO_SRC_PORT 40001 (big-endian)
                0600 0300 0035 0000                    #     CTA_PROTO_DST_PORT 53 (big-endian)
                """)));
    }

    @Test
    void deleteRequestCarriesANonZeroZone() {
        byte[] bytes = ConntrackRequests.delete(new ConntrackEntry(ORIG, REPLY, 7)).bytes();
        assertThat(Hex.dump(java.util.Arrays.copyOfRange(bytes, 72, 80))).isEqualTo(Hex.dump(Hex.golden("""
                0600 1200 0007 0000                    # CTA_ZONE 7 (big-endian)
                """)));
        assertThat(bytes.length).isEqualTo(80);
    }

    @Test
    void deleteRequestIpv6() {
        ConntrackTuple v6 = new ConntrackTuple(IpPrefix.parseAddress("fd00::9"), IpPrefix.parseAddress("fd00:96::a"),
                CtConstants.IPPROTO_UDP, 1, 2);
        byte[] bytes = ConntrackRequests.delete(new ConntrackEntry(v6, v6, 0)).bytes();
        assertThat(Hex.dump(java.util.Arrays.copyOfRange(bytes, 16, 48))).isEqualTo(Hex.dump(Hex.golden("""
                0a 00 0000                             # nfgenmsg: AF_INET6
                4c00 0180                              # CTA_TUPLE_ORIG, 76 bytes
                2c00 0180                              #   CTA_TUPLE_IP, 44 bytes
                1400 0300 fd000000 00000000 00000000 00000009  #     CTA_IP_V6_SRC fd00::9
                """)));
    }

    @Test
    void decodesADumpedEntry() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(2).rawU8(0).rawU16(0);
        tuple(w, CtConstants.CTA_TUPLE_ORIG, ORIG);
        tuple(w, CtConstants.CTA_TUPLE_REPLY, REPLY);
        w.u32Be(CtConstants.CTA_STATUS, 0x18e);
        w.u16Be(CtConstants.CTA_ZONE, 3);
        NetlinkMessage m = new NetlinkMessage(0x100, 2, 1, 0, w.toByteArray());
        assertThat(ConntrackRequests.decode(m)).isEqualTo(new ConntrackEntry(ORIG, REPLY, 3));
    }

    @Test
    void refusesAnEntryWithoutItsTuples() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(2).rawU8(0).rawU16(0);
        w.u32Be(CtConstants.CTA_STATUS, 0);
        assertThatThrownBy(() -> ConntrackRequests.decode(new NetlinkMessage(0x100, 2, 1, 0, w.toByteArray())))
                .isInstanceOf(NetlinkDecodeException.class);
    }

    private static void tuple(AttributeWriter w, int type, ConntrackTuple t) {
        int n = w.beginNested(type);
        int ip = w.beginNested(CtConstants.CTA_TUPLE_IP);
        w.address(CtConstants.CTA_IP_V4_SRC, t.source()).address(CtConstants.CTA_IP_V4_DST, t.destination());
        w.endNested(ip);
        int p = w.beginNested(CtConstants.CTA_TUPLE_PROTO);
        w.u8(CtConstants.CTA_PROTO_NUM, t.protocol()).u16Be(CtConstants.CTA_PROTO_SRC_PORT, t.sourcePort())
                .u16Be(CtConstants.CTA_PROTO_DST_PORT, t.destinationPort());
        w.endNested(p);
        w.endNested(n);
    }
}
