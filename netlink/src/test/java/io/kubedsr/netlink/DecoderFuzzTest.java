package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.route.RtnlDecoders;

/**
 * Hostile input: random bytes, truncations and mutations of valid messages. Every decoder either returns or
 * throws {@link NetlinkDecodeException}; nothing else escapes, nothing loops, nothing allocates past the input.
 */
class DecoderFuzzTest {
    private static final int ROUNDS = 20_000;

    private static void survive(byte[] input, Consumer<byte[]> decoder) {
        try {
            decoder.accept(input);
        } catch (NetlinkDecodeException expected) {
            // the one permitted failure
        }
    }

    private static byte[] validLinkDump() {
        AttributeWriter w = new AttributeWriter();
        w.rawU32(0); // length, patched below
        w.rawU16(16).rawU16(2).rawU32(1).rawU32(0);
        w.rawU8(0).rawU8(0).rawU16(1).rawU32(7).rawU32(0x43).rawU32(0);
        w.string(3, "eth0").u32(4, 1500);
        int info = w.beginNested(18);
        w.string(1, "ipip");
        int data = w.beginNested(2);
        w.bytes(2, new byte[] {10, 0, 0, 1}).bytes(3, new byte[] {10, 0, 0, 2}).u8(4, 64).u16(15, 2).u16Be(18, 5555);
        w.endNested(data);
        w.endNested(info);
        byte[] b = w.toByteArray();
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putInt(0, b.length);
        return b;
    }

    private static void decodeEverything(byte[] datagram) {
        for (NetlinkMessage m : NetlinkMessage.parseAll(datagram)) {
            survive(m.payload(), p -> RtnlDecoders.decodeAny(m));
            survive(m.payload(), p -> Attributes.parse(p));
            if (m.isError()) {
                survive(m.payload(), p -> NetlinkConnection.errorOf("fuzz", m));
            }
        }
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButDecodeErrors() {
        Random r = new Random(1);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < ROUNDS; i++) {
                byte[] input = new byte[r.nextInt(200)];
                r.nextBytes(input);
                survive(input, DecoderFuzzTest::decodeEverything);
                survive(input, Attributes::parse);
            }
        });
    }

    @Test
    void mutatedValidMessagesNeverEscapeAsAnythingButDecodeErrors() {
        byte[] valid = validLinkDump();
        Random r = new Random(2);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int i = 0; i < ROUNDS; i++) {
                byte[] input = valid.clone();
                int flips = 1 + r.nextInt(6);
                for (int f = 0; f < flips; f++) {
                    input[r.nextInt(input.length)] = (byte) r.nextInt(256);
                }
                if (r.nextInt(4) == 0) {
                    input = java.util.Arrays.copyOf(input, r.nextInt(input.length + 1));
                }
                survive(input, DecoderFuzzTest::decodeEverything);
            }
        });
    }

    @Test
    void theValidSampleDecodes() {
        var messages = NetlinkMessage.parseAll(validLinkDump());
        assertThat(messages).hasSize(1);
        assertThat(RtnlDecoders.decodeAny(messages.get(0)).toString()).contains("eth0").contains("ipip");
    }

    @Test
    void truncatedMessageHeaderIsRejected() {
        byte[] b = validLinkDump();
        byte[] cut = java.util.Arrays.copyOf(b, 10);
        assertThatThrownBy(() -> NetlinkMessage.parseAll(cut)).isInstanceOf(NetlinkDecodeException.class);
    }

    @Test
    void messageClaimingMoreThanTheDatagramIsRejected() {
        byte[] b = validLinkDump();
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder()).putInt(0, b.length + 4);
        assertThatThrownBy(() -> NetlinkMessage.parseAll(b)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("claims");
    }

    @Test
    void attributeShorterThanItsHeaderIsRejected() {
        byte[] b = {2, 0, 1, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> Attributes.parse(b)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("length 2");
    }

    @Test
    void attributeOverrunningItsNestIsRejected() {
        byte[] b = {(byte) 0xFF, 0x7F, 1, 0, 0, 0, 0, 0};
        assertThatThrownBy(() -> Attributes.parse(b)).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("overruns");
    }

    @Test
    void typedGetterOnTooShortPayloadIsRejected() {
        AttributeWriter w = new AttributeWriter();
        w.u8(1, 5);
        Attributes a = Attributes.parse(w.toByteArray());
        assertThatThrownBy(() -> a.u32(1)).isInstanceOf(NetlinkDecodeException.class);
        assertThatThrownBy(() -> a.address(1)).isInstanceOf(NetlinkDecodeException.class);
    }
}
