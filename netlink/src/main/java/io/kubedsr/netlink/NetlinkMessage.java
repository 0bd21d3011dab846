package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** One received message: the nlmsghdr fields and a copy of the payload after the 16-byte header. */
public record NetlinkMessage(int type, int flags, int sequence, int portId, byte[] payload) {

    /**
     * Splits a datagram into its messages. A header shorter than 16 bytes or a length past the end of the
     * datagram throws {@link NetlinkDecodeException}; the loop always advances, so it cannot spin.
     */
    public static List<NetlinkMessage> parseAll(ByteBuffer datagram, int length) {
        if (length < 0 || length > datagram.capacity()) {
            throw new NetlinkDecodeException("datagram length " + length + " outside buffer of " + datagram.capacity());
        }
        ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<NetlinkMessage> out = new ArrayList<>();
        int pos = 0;
        while (length - pos >= NetlinkFlags.HEADER_LENGTH) {
            long msgLen = b.getInt(pos) & 0xFFFFFFFFL;
            if (msgLen < NetlinkFlags.HEADER_LENGTH || msgLen > length - pos) {
                throw new NetlinkDecodeException("message at " + pos + " claims " + msgLen + " bytes, "
                        + (length - pos) + " left in the datagram");
            }
            int type = b.getShort(pos + 4) & 0xFFFF;
            int flags = b.getShort(pos + 6) & 0xFFFF;
            int seq = b.getInt(pos + 8);
            int pid = b.getInt(pos + 12);
            byte[] payload = new byte[(int) msgLen - NetlinkFlags.HEADER_LENGTH];
            b.get(pos + NetlinkFlags.HEADER_LENGTH, payload);
            out.add(new NetlinkMessage(type, flags, seq, pid, payload));
            pos += NetlinkFlags.align((int) msgLen);
        }
        if (pos < length && length - pos < NetlinkFlags.HEADER_LENGTH && pos == 0) {
            throw new NetlinkDecodeException("datagram of " + length + " bytes is shorter than a message header");
        }
        return out;
    }

    public static List<NetlinkMessage> parseAll(byte[] datagram) {
        return parseAll(ByteBuffer.wrap(datagram), datagram.length);
    }

    /** The attributes following a fixed family header of {@code fixedHeaderLength} bytes. */
    public Attributes attributes(int fixedHeaderLength) {
        if (payload.length < fixedHeaderLength) {
            throw new NetlinkDecodeException("payload of " + payload.length + " bytes is shorter than its "
                    + fixedHeaderLength + "-byte family header");
        }
        return Attributes.parse(payload, fixedHeaderLength, payload.length - fixedHeaderLength);
    }

    public ByteBuffer payloadBuffer() {
        return ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder());
    }

    public boolean isError() {
        return type == NetlinkFlags.NLMSG_ERROR;
    }

    public boolean isDone() {
        return type == NetlinkFlags.NLMSG_DONE;
    }

    static String hexHeader(byte[] message) {
        ByteBuffer b = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        return "{len=" + b.getInt(0) + " type=" + (b.getShort(4) & 0xFFFF) + " flags=0x"
                + Integer.toHexString(b.getShort(6) & 0xFFFF) + "}";
    }

    @Override
    public String toString() {
        String kind = switch (type) {
            case NetlinkFlags.NLMSG_NOOP -> "NOOP";
            case NetlinkFlags.NLMSG_ERROR -> "ERROR";
            case NetlinkFlags.NLMSG_DONE -> "DONE";
            case NetlinkFlags.NLMSG_OVERRUN -> "OVERRUN";
            default -> "type=" + type;
        };
        String hex = HexFormat.of().formatHex(payload, 0, Math.min(payload.length, 32));
        return "NetlinkMessage{" + kind + " flags=0x" + Integer.toHexString(flags) + " seq=" + Integer.toUnsignedString(sequence)
                + " pid=" + Integer.toUnsignedString(portId) + " payload=" + payload.length + "B " + hex
                + (payload.length > 32 ? "…" : "") + "}";
    }
}
