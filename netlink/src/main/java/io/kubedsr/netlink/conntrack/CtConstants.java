package io.kubedsr.netlink.conntrack;

/**
 * ctnetlink numbers, from linux/netfilter/nfnetlink.h and linux/netfilter/nfnetlink_conntrack.h. A message
 * type is {@code (subsystem << 8) | message}; the payload starts with a 4-byte {@code struct nfgenmsg}
 * (family, version, big-endian resource id).
 */
public final class CtConstants {
    private CtConstants() {
    }

    public static final int NFNL_SUBSYS_CTNETLINK = 1;
    public static final int NFNETLINK_V0 = 0;
    /** sizeof(struct nfgenmsg). */
    public static final int NFGENMSG_LENGTH = 4;

    public static final int IPCTNL_MSG_CT_NEW = 0;
    public static final int IPCTNL_MSG_CT_GET = 1;
    public static final int IPCTNL_MSG_CT_DELETE = 2;

    // enum ctattr_type
    public static final int CTA_TUPLE_ORIG = 1;
    public static final int CTA_TUPLE_REPLY = 2;
    public static final int CTA_STATUS = 3;
    public static final int CTA_TIMEOUT = 7;
    public static final int CTA_MARK = 8;
    public static final int CTA_ID = 12;
    public static final int CTA_ZONE = 18;

    // enum ctattr_tuple
    public static final int CTA_TUPLE_IP = 1;
    public static final int CTA_TUPLE_PROTO = 2;
    public static final int CTA_TUPLE_ZONE = 3;

    // enum ctattr_ip
    public static final int CTA_IP_V4_SRC = 1;
    public static final int CTA_IP_V4_DST = 2;
    public static final int CTA_IP_V6_SRC = 3;
    public static final int CTA_IP_V6_DST = 4;

    // enum ctattr_l4proto
    public static final int CTA_PROTO_NUM = 1;
    public static final int CTA_PROTO_SRC_PORT = 2;
    public static final int CTA_PROTO_DST_PORT = 3;

    /** IPPROTO_* (netinet/in.h). */
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_SCTP = 132;

    public static int messageType(int message) {
        return (NFNL_SUBSYS_CTNETLINK << 8) | message;
    }
}
