package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

/** Byte-exact attribute encoding, little-endian host (x86_64). */
class AttributeWriterGoldenTest {

    private static void assertBytes(AttributeWriter w, String listing) {
        assertThat(Hex.dump(w.toByteArray())).isEqualTo(Hex.dump(Hex.golden(listing)));
    }

    @Test
    void encodesIntegersInHostOrderAndPadsToFourBytes() {
        AttributeWriter w = new AttributeWriter();
        w.u8(1, 0xAB).u16(2, 0x1234).u32(3, 0xDEADBEEF).u64(4, 0x0102030405060708L);
        assertBytes(w, """
                0500 0100 ab000000            # len 5, type 1, u8 0xab, 3 bytes of padding
                0600 0200 3412 0000           # len 6, type 2, u16 0x1234 little-endian, 2 bytes padding
                0800 0300 efbeadde            # len 8, type 3, u32 0xdeadbeef
                0c00 0400 0807060504030201    # len 12, type 4, u64
                """);
    }

    @Test
    void encodesBigEndianPortsFlagsStringsAndAddresses() throws Exception {
        AttributeWriter w = new AttributeWriter();
        w.u16Be(5, 5555).u32Be(6, 1).flag(7).string(8, "kube").address(9, InetAddress.getByName("10.1.2.3"));
        assertBytes(w, """
                0600 0500 15b3 0000           # len 6, type 5, port 5555 = 0x15b3 network order
                0800 0600 00000001            # len 8, type 6, u32 1 network order
                0400 0700                     # len 4, type 7, flag: no payload
                0900 0800 6b756265 00000000   # len 9, type 8, "kube" NUL, 3 bytes padding
                0800 0900 0a010203            # len 8, type 9, IPv4 address in network order
                """);
    }

    @Test
    void nestsCarryTheNestedFlagAndTheirTotalLength() {
        AttributeWriter w = new AttributeWriter();
        int outer = w.beginNested(1);
        w.u32(2, 7);
        int inner = w.beginNested(3);
        w.u8(4, 1);
        w.endNested(inner);
        w.endNested(outer);
        assertBytes(w, """
                1800 0180                     # len 24, type 1 | NLA_F_NESTED
                0800 0200 07000000            #   len 8, type 2, u32 7
                0c00 0380                     #   len 12, type 3 | NLA_F_NESTED
                0500 0400 01000000            #     len 5, type 4, u8 1, padding
                """);
    }

    @Test
    void legacyNestsOmitTheFlag() {
        AttributeWriter w = new AttributeWriter();
        int n = w.beginNestedLegacy(1);
        w.u16(2, 1);
        w.endNested(n);
        assertBytes(w, """
                0c00 0100                     # len 12, type 1, no NLA_F_NESTED (IPVS policies predate it)
                0600 0200 0100 0000           #   len 6, type 2, u16 1
                """);
    }

    @Test
    void refusesAnAttributeLongerThanSixteenBits() {
        AttributeWriter w = new AttributeWriter();
        assertThatThrownBy(() -> w.bytes(1, new byte[70000])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
    }

    @Test
    void messageBuilderFillsLengthAndRequestFlag() {
        MessageBuilder b = new MessageBuilder(0x10, NetlinkFlags.NLM_F_ACK, "test");
        b.rawU32(0x11223344);
        b.u8(1, 9);
        NetlinkRequest r = b.build();
        assertThat(Hex.dump(r.bytes())).isEqualTo(Hex.dump(Hex.golden("""
                1c000000                      # nlmsg_len 28
                1000 0500                     # nlmsg_type 0x10, flags REQUEST|ACK
                00000000 00000000             # seq and pid: filled by the connection
                44332211                      # fixed family header (u32)
                0500 0100 09000000            # len 5, type 1, u8 9
                """)));
        assertThat(r.type()).isEqualTo(0x10);
        assertThat(r.flags()).isEqualTo(NetlinkFlags.NLM_F_REQUEST | NetlinkFlags.NLM_F_ACK);
        assertThat(r.isDump()).isFalse();
    }
}
