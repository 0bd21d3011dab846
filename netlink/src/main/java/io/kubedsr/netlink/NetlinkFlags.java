package io.kubedsr.netlink;

/** Message types and flags of the netlink header (linux/netlink.h). */
public final class NetlinkFlags {
    private NetlinkFlags() {
    }

    /** Size of struct nlmsghdr. */
    public static final int HEADER_LENGTH = 16;

    public static final int NLMSG_NOOP = 0x1;
    public static final int NLMSG_ERROR = 0x2;
    public static final int NLMSG_DONE = 0x3;
    public static final int NLMSG_OVERRUN = 0x4;

    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_ECHO = 0x08;
    /** Set on dump replies when the dumped table changed during the dump. */
    public static final int NLM_F_DUMP_INTR = 0x10;

    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;

    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_APPEND = 0x800;

    /** On NLMSG_ERROR: the echoed request was cut to its header (NETLINK_CAP_ACK). */
    public static final int NLM_F_CAPPED = 0x100;
    /** On NLMSG_ERROR: extended ACK attributes follow. */
    public static final int NLM_F_ACK_TLVS = 0x200;

    public static final int NLMSGERR_ATTR_MSG = 1;
    public static final int NLMSGERR_ATTR_OFFS = 2;

    /** Rounds up to the 4-byte netlink alignment (NLMSG_ALIGN, NLA_ALIGN). */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
