package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** NLMSG_ERROR replies become typed exceptions carrying errno, extended-ACK text and offset. */
class NetlinkErrorDecodingTest {

    private static NetlinkMessage error(int flags, String listing) {
        return new NetlinkMessage(NetlinkFlags.NLMSG_ERROR, flags, 1, 0, Hex.golden(listing));
    }

    @Test
    void ackIsNotAnError() {
        NetlinkMessage ack = error(NetlinkFlags.NLM_F_CAPPED, """
                00000000                               # error 0: ACK
                20000000 1000 0506 01000000 00000000   # the request's header, echoed
                """);
        assertThat(NetlinkConnection.errorOf("op", ack)).isNull();
    }

    @Test
    void cappedErrorWithExtendedAckCarriesMessageAndOffset() {
        NetlinkMessage m = error(NetlinkFlags.NLM_F_CAPPED | NetlinkFlags.NLM_F_ACK_TLVS, """
                efffffff                               # error -17: EEXIST
                20000000 1000 0506 01000000 00000000   # echoed request header only (capped)
                1000 0100 46696c652065786973747300     # NLMSGERR_ATTR_MSG "File exists" NUL (12 bytes, aligned)
                0800 0200 24000000                     # NLMSGERR_ATTR_OFFS 36
                """);
        NetlinkException e = NetlinkConnection.errorOf("add link x", m);
        assertThat(e.errno()).isEqualTo(Errno.EEXIST);
        assertThat(e.alreadyExists()).isTrue();
        assertThat(e.isNotFound()).isFalse();
        assertThat(e.kernelMessage()).isEqualTo("File exists");
        assertThat(e.attributeOffset()).isEqualTo(36);
        assertThat(e.getMessage()).isEqualTo("add link x: EEXIST (File exists) [attribute at offset 36]");
    }

    @Test
    void uncappedErrorSkipsTheEchoedPayloadBeforeTheTlvs() {
        NetlinkMessage m = error(NetlinkFlags.NLM_F_ACK_TLVS, """
                feffffff                               # error -2: ENOENT
                18000000 1900 0500 02000000 00000000   # echoed header, len 24
                02200000                               # echoed payload, 8 bytes
                00000000
                0d00 0100 6e6f20726f75746500 000000    # NLMSGERR_ATTR_MSG "no route"
                """);
        NetlinkException e = NetlinkConnection.errorOf("delete route", m);
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.isNotFound()).isTrue();
        assertThat(e.kernelMessage()).isEqualTo("no route");
        assertThat(e.attributeOffset()).isEqualTo(-1);
    }

    @Test
    void unknownErrnoKeepsItsNumber() {
        NetlinkMessage m = error(0, """
                0cfeffff                               # error -500
                20000000 1000 0506 01000000 00000000
                """);
        NetlinkException e = NetlinkConnection.errorOf("x", m);
        assertThat(e.errno()).isEqualTo(Errno.UNKNOWN);
        assertThat(e.errnoNumber()).isEqualTo(500);
    }
}
