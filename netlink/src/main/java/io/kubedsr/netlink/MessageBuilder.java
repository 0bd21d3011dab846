package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Builds one request: the 16-byte nlmsghdr, then the family's fixed header written with the raw methods,
 * then attributes. {@link #build()} fills in the length; sequence and port id are left for the connection.
 */
public final class MessageBuilder extends AttributeWriter {
    private final Supplier<String> description;

    public MessageBuilder(int type, int flags, String description) {
        this(type, flags, () -> description);
    }

    /** {@code description} is built only if the request's description is asked for (errors, logs). */
    public MessageBuilder(int type, int flags, Supplier<String> description) {
        super(128);
        this.description = description;
        rawU32(0); // nlmsg_len, filled by build()
        rawU16(type); // nlmsg_type
        rawU16(flags | NetlinkFlags.NLM_F_REQUEST); // nlmsg_flags
        rawU32(0); // nlmsg_seq, filled by the connection
        rawU32(0); // nlmsg_pid, filled by the connection
    }

    public NetlinkRequest build() {
        pad();
        ByteBuffer v = view();
        v.putInt(0, position);
        return new NetlinkRequest(toByteArray(), description);
    }
}
