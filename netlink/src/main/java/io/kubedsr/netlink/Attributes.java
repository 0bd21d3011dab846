package io.kubedsr.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The attributes of a message payload or of a nest, read in one pass. Malformed input (an attribute shorter
 * than its header or longer than the bytes left) throws {@link NetlinkDecodeException}; unknown types are kept
 * and simply never asked for. Typed getters check the payload length before reading.
 */
public final class Attributes {
    private static final int TYPE_MASK = 0x3FFF;
    private static final int NLA_HEADER = 4;

    private final byte[] source;
    private final List<Attribute> list;

    private Attributes(byte[] source, List<Attribute> list) {
        this.source = source;
        this.list = list;
    }

    public static Attributes parse(byte[] source) {
        return parse(source, 0, source.length);
    }

    /** Parses the attributes in {@code source[offset, offset+length)}. */
    public static Attributes parse(byte[] source, int offset, int length) {
        if (offset < 0 || length < 0 || offset > source.length || length > source.length - offset) {
            throw new NetlinkDecodeException("attribute region " + offset + "+" + length + " outside " + source.length
                    + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(source).order(ByteOrder.nativeOrder());
        List<Attribute> found = new ArrayList<>();
        int pos = offset;
        int end = offset + length;
        while (end - pos >= NLA_HEADER) {
            int len = b.getShort(pos) & 0xFFFF;
            int rawType = b.getShort(pos + 2) & 0xFFFF;
            if (len < NLA_HEADER) {
                throw new NetlinkDecodeException("attribute at " + pos + " has length " + len);
            }
            if (len > end - pos) {
                throw new NetlinkDecodeException("attribute at " + pos + " of length " + len + " overruns its "
                        + (end - pos) + " remaining bytes");
            }
            found.add(new Attribute(rawType & TYPE_MASK, (rawType & AttributeWriter.NLA_F_NESTED) != 0, source,
                    pos + NLA_HEADER, len - NLA_HEADER));
            pos += NetlinkFlags.align(len);
        }
        return new Attributes(source, Collections.unmodifiableList(found));
    }

    public List<Attribute> all() {
        return list;
    }

    public boolean has(int type) {
        return find(type) != null;
    }

    /** The first attribute of the type, or null. */
    public Attribute find(int type) {
        for (Attribute a : list) {
            if (a.type() == type) {
                return a;
            }
        }
        return null;
    }

    private Attribute require(int type, int minLength) {
        Attribute a = find(type);
        if (a == null) {
            return null;
        }
        if (a.length() < minLength) {
            throw new NetlinkDecodeException("attribute " + type + " has " + a.length() + " bytes, needs " + minLength);
        }
        return a;
    }

    private ByteBuffer buf(ByteOrder order) {
        return ByteBuffer.wrap(source).order(order);
    }

    public Integer u8(int type) {
        Attribute a = require(type, 1);
        return a == null ? null : source[a.offset()] & 0xFF;
    }

    public Integer u16(int type) {
        Attribute a = require(type, 2);
        return a == null ? null : buf(ByteOrder.nativeOrder()).getShort(a.offset()) & 0xFFFF;
    }

    public Integer u16Be(int type) {
        Attribute a = require(type, 2);
        return a == null ? null : buf(ByteOrder.BIG_ENDIAN).getShort(a.offset()) & 0xFFFF;
    }

    /** A u32 as an unsigned value in a long. */
    public Long u32(int type) {
        Attribute a = require(type, 4);
        return a == null ? null : buf(ByteOrder.nativeOrder()).getInt(a.offset()) & 0xFFFFFFFFL;
    }

    public Long u32Be(int type) {
        Attribute a = require(type, 4);
        return a == null ? null : buf(ByteOrder.BIG_ENDIAN).getInt(a.offset()) & 0xFFFFFFFFL;
    }

    public Long u64(int type) {
        Attribute a = require(type, 8);
        return a == null ? null : buf(ByteOrder.nativeOrder()).getLong(a.offset());
    }

    public int u32OrDefault(int type, int otherwise) {
        Long v = u32(type);
        return v == null ? otherwise : v.intValue();
    }

    public int u8OrDefault(int type, int otherwise) {
        Integer v = u8(type);
        return v == null ? otherwise : v;
    }

    /** A string, up to its first NUL. */
    public String string(int type) {
        Attribute a = find(type);
        if (a == null) {
            return null;
        }
        int n = 0;
        while (n < a.length() && source[a.offset() + n] != 0) {
            n++;
        }
        return new String(source, a.offset(), n, StandardCharsets.UTF_8);
    }

    public byte[] bytes(int type) {
        Attribute a = find(type);
        if (a == null) {
            return null;
        }
        byte[] out = new byte[a.length()];
        System.arraycopy(source, a.offset(), out, 0, a.length());
        return out;
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address. */
    public InetAddress address(int type) {
        Attribute a = find(type);
        if (a == null) {
            return null;
        }
        return toAddress(source, a.offset(), a.length(), type);
    }

    static InetAddress toAddress(byte[] source, int offset, int length, int type) {
        if (length != 4 && length != 16) {
            throw new NetlinkDecodeException("attribute " + type + " is not an address: " + length + " bytes");
        }
        byte[] raw = new byte[length];
        System.arraycopy(source, offset, raw, 0, length);
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new NetlinkDecodeException("bad address in attribute " + type);
        }
    }

    /** The attributes inside a nest, or null when the nest is absent. */
    public Attributes nested(int type) {
        Attribute a = find(type);
        if (a == null) {
            return null;
        }
        return parse(source, a.offset(), a.length());
    }

    /** The attributes inside the given attribute (for lists of nests such as multicast groups). */
    public Attributes nested(Attribute a) {
        return parse(source, a.offset(), a.length());
    }

    @Override
    public String toString() {
        return list.toString();
    }
}
