package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * One encoded request message: header and payload. Sequence number and port id are zero here; the
 * connection fills them when it sends. {@code description} names the operation for errors and logs; it is
 * built only when asked for (a full sync encodes 110,000 requests and reads none of their descriptions).
 */
public final class NetlinkRequest {
    private final byte[] bytes;
    private final Supplier<String> description;

    public NetlinkRequest(byte[] bytes, String description) {
        this(bytes, () -> description);
    }

    public NetlinkRequest(byte[] bytes, Supplier<String> description) {
        if (bytes.length < NetlinkFlags.HEADER_LENGTH) {
            throw new IllegalArgumentException("a request needs a 16-byte header");
        }
        this.bytes = bytes;
        this.description = description;
    }

    /** The encoded message; do not modify. */
    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return bytes.length;
    }

    public int type() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getShort(4) & 0xFFFF;
    }

    public int flags() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getShort(6) & 0xFFFF;
    }

    public boolean isDump() {
        return (flags() & NetlinkFlags.NLM_F_DUMP) == NetlinkFlags.NLM_F_DUMP;
    }

    public String description() {
        return description.get();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetlinkRequest r && Arrays.equals(bytes, r.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return description() + " " + NetlinkMessage.hexHeader(bytes) + " (" + bytes.length + " bytes)";
    }
}
