package io.kubedsr.netlink.conntrack;

import static io.kubedsr.netlink.conntrack.CtConstants.*;

import java.net.InetAddress;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.MessageBuilder;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkRequest;

/** Encodes ctnetlink requests and decodes the entries of a dump. Pure: no socket. */
public final class ConntrackRequests {
    private ConntrackRequests() {
    }

    /** IPCTNL_MSG_CT_GET with NLM_F_DUMP: every entry of the family in the socket's namespace. */
    public static NetlinkRequest dump(AddressFamily family) {
        MessageBuilder b = new MessageBuilder(messageType(IPCTNL_MSG_CT_GET), NetlinkFlags.NLM_F_DUMP,
                "conntrack dump " + family);
        nfgenmsg(b, family);
        return b.build();
    }

    /**
     * IPCTNL_MSG_CT_DELETE of the entry whose original tuple (and zone) is this one: the kernel looks the entry
     * up by that tuple, so exactly one entry goes.
     */
    public static NetlinkRequest delete(ConntrackEntry entry) {
        ConntrackTuple t = entry.original();
        MessageBuilder b = new MessageBuilder(messageType(IPCTNL_MSG_CT_DELETE), 0, "conntrack delete " + entry);
        nfgenmsg(b, t.family());
        tuple(b, CTA_TUPLE_ORIG, t);
        if (entry.zone() != 0) {
            b.u16Be(CTA_ZONE, entry.zone());
        }
        return b.build();
    }

    private static void nfgenmsg(MessageBuilder b, AddressFamily family) {
        b.rawU8(family.number()).rawU8(NFNETLINK_V0).rawU16(0); // res_id 0 (big-endian zero)
    }

    private static void tuple(MessageBuilder b, int type, ConntrackTuple t) {
        boolean v4 = t.family() == AddressFamily.INET;
        int tuple = b.beginNested(type);
        int ip = b.beginNested(CTA_TUPLE_IP);
        b.address(v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, t.source());
        b.address(v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST, t.destination());
        b.endNested(ip);
        int proto = b.beginNested(CTA_TUPLE_PROTO);
        b.u8(CTA_PROTO_NUM, t.protocol());
        if (hasPorts(t.protocol())) {
            b.u16Be(CTA_PROTO_SRC_PORT, t.sourcePort());
            b.u16Be(CTA_PROTO_DST_PORT, t.destinationPort());
        }
        b.endNested(proto);
        b.endNested(tuple);
    }

    private static boolean hasPorts(int protocol) {
        return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_SCTP;
    }

    /** One entry of a dump reply (IPCTNL_MSG_CT_NEW messages). */
    public static ConntrackEntry decode(NetlinkMessage m) {
        if (m.type() != messageType(IPCTNL_MSG_CT_NEW)) {
            throw new NetlinkDecodeException("not a conntrack entry: message type " + m.type());
        }
        Attributes a = m.attributes(NFGENMSG_LENGTH);
        try {
            ConntrackTuple orig = decodeTuple(a.nested(CTA_TUPLE_ORIG), "original");
            ConntrackTuple reply = decodeTuple(a.nested(CTA_TUPLE_REPLY), "reply");
            Integer zone = a.u16Be(CTA_ZONE);
            return new ConntrackEntry(orig, reply, zone == null ? 0 : zone);
        } catch (IllegalArgumentException e) {
            // e.g. an IPv4 source with an IPv6 destination: the tuple refuses it, the decoder reports it as malformed
            throw new NetlinkDecodeException("inconsistent conntrack entry: " + e.getMessage());
        }
    }

    private static ConntrackTuple decodeTuple(Attributes t, String which) {
        if (t == null) {
            throw new NetlinkDecodeException("conntrack entry without its " + which + " tuple");
        }
        Attributes ip = t.nested(CTA_TUPLE_IP);
        Attributes proto = t.nested(CTA_TUPLE_PROTO);
        if (ip == null || proto == null || proto.u8(CTA_PROTO_NUM) == null) {
            throw new NetlinkDecodeException("conntrack " + which + " tuple without addresses or protocol");
        }
        InetAddress src = ip.has(CTA_IP_V4_SRC) ? ip.address(CTA_IP_V4_SRC) : ip.address(CTA_IP_V6_SRC);
        InetAddress dst = ip.has(CTA_IP_V4_DST) ? ip.address(CTA_IP_V4_DST) : ip.address(CTA_IP_V6_DST);
        if (src == null || dst == null) {
            throw new NetlinkDecodeException("conntrack " + which + " tuple without addresses");
        }
        Integer sport = proto.u16Be(CTA_PROTO_SRC_PORT);
        Integer dport = proto.u16Be(CTA_PROTO_DST_PORT);
        return new ConntrackTuple(src, dst, proto.u8(CTA_PROTO_NUM), sport == null ? 0 : sport, dport == null ? 0 : dport);
    }
}
