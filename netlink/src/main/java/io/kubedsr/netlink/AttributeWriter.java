package io.kubedsr.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes netlink attributes (struct nlattr: u16 length, u16 type, payload padded to 4 bytes) into a growable
 * buffer. Integers are in host byte order unless the method name ends in {@code Be}; nests are opened with
 * {@link #beginNested(int)} and closed with {@link #endNested(int)}, which fills in the nest's length.
 */
public class AttributeWriter {
    /** NLA_F_NESTED: set on nest attributes for kernels that validate strictly. */
    public static final int NLA_F_NESTED = 1 << 15;
    /** NLA_F_NET_BYTEORDER. */
    public static final int NLA_F_NET_BYTEORDER = 1 << 14;
    private static final int NLA_HEADER = 4;
    private static final int MAX_ATTRIBUTE_LENGTH = 0xFFFF;

    protected byte[] bytes;
    protected int position;

    public AttributeWriter() {
        this(256);
    }

    public AttributeWriter(int initialCapacity) {
        this.bytes = new byte[Math.max(16, initialCapacity)];
    }

    /** Bytes written so far. */
    public int length() {
        return position;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, position);
    }

    protected final void ensure(int extra) {
        if (position + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, position + extra));
        }
    }

    protected final ByteBuffer view() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    }

    // ---- raw writes, for fixed family headers ----

    public AttributeWriter rawU8(int value) {
        ensure(1);
        bytes[position++] = (byte) value;
        return this;
    }

    public AttributeWriter rawU16(int value) {
        ensure(2);
        view().putShort(position, (short) value);
        position += 2;
        return this;
    }

    public AttributeWriter rawU32(int value) {
        ensure(4);
        view().putInt(position, value);
        position += 4;
        return this;
    }

    public AttributeWriter rawBytes(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, position, value.length);
        position += value.length;
        return this;
    }

    /** Zero bytes up to the next 4-byte boundary. */
    public AttributeWriter pad() {
        int target = NetlinkFlags.align(position);
        ensure(target - position);
        while (position < target) {
            bytes[position++] = 0;
        }
        return this;
    }

    // ---- attributes ----

    private int header(int type, int payloadLength) {
        int total = NLA_HEADER + payloadLength;
        if (total > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("attribute " + type + " too long: " + payloadLength + " bytes");
        }
        ensure(NetlinkFlags.align(total));
        int start = position;
        ByteBuffer v = view();
        v.putShort(position, (short) total);
        v.putShort(position + 2, (short) type);
        position += NLA_HEADER;
        return start;
    }

    private AttributeWriter finish(int start) {
        int end = start + (view().getShort(start) & 0xFFFF);
        position = end;
        return pad();
    }

    public AttributeWriter flag(int type) {
        return finish(header(type, 0));
    }

    public AttributeWriter u8(int type, int value) {
        int s = header(type, 1);
        bytes[position] = (byte) value;
        return finish(s);
    }

    public AttributeWriter u16(int type, int value) {
        int s = header(type, 2);
        view().putShort(position, (short) value);
        return finish(s);
    }

    /** A u16 in network byte order (ports of IPVS and fou). */
    public AttributeWriter u16Be(int type, int value) {
        int s = header(type, 2);
        view().order(ByteOrder.BIG_ENDIAN).putShort(position, (short) value);
        return finish(s);
    }

    public AttributeWriter u32(int type, int value) {
        int s = header(type, 4);
        view().putInt(position, value);
        return finish(s);
    }

    public AttributeWriter u32(int type, long value) {
        return u32(type, (int) value);
    }

    public AttributeWriter u32Be(int type, int value) {
        int s = header(type, 4);
        view().order(ByteOrder.BIG_ENDIAN).putInt(position, value);
        return finish(s);
    }

    public AttributeWriter u64(int type, long value) {
        int s = header(type, 8);
        view().putLong(position, value);
        return finish(s);
    }

    /** A NUL-terminated string. */
    public AttributeWriter string(int type, String value) {
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        int s = header(type, b.length + 1);
        System.arraycopy(b, 0, bytes, position, b.length);
        bytes[position + b.length] = 0;
        return finish(s);
    }

    public AttributeWriter bytes(int type, byte[] value) {
        int s = header(type, value.length);
        System.arraycopy(value, 0, bytes, position, value.length);
        return finish(s);
    }

    /** An address in network byte order: 4 bytes for IPv4, 16 for IPv6. */
    public AttributeWriter address(int type, InetAddress address) {
        return bytes(type, address.getAddress());
    }

    /** Opens a nest; returns a token for {@link #endNested(int)}. */
    public int beginNested(int type) {
        return header(type | NLA_F_NESTED, 0);
    }

    /** Opens a nest without NLA_F_NESTED, for families (IPVS) whose policies predate the flag. */
    public int beginNestedLegacy(int type) {
        return header(type, 0);
    }

    public AttributeWriter endNested(int token) {
        int length = position - token;
        if (length > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("nested attribute too long: " + length + " bytes");
        }
        view().putShort(token, (short) length);
        return this;
    }
}
