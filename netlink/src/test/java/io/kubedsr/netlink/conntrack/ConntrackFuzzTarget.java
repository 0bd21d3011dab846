package io.kubedsr.netlink.conntrack;

import static io.kubedsr.netlink.conntrack.CtConstants.*;

import java.util.List;

import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/**
 * Fuzz target: a conntrack dump entry (the UDP flush reads every entry of the node). Typed failure:
 * {@link NetlinkDecodeException} only; an entry that decodes must be printable, hashable and encodable as
 * the delete request the flusher would send for it.
 */
public final class ConntrackFuzzTarget {
    private ConntrackFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] payload) {
        ConntrackEntry entry;
        try {
            entry = ConntrackRequests.decode(new NetlinkMessage(messageType(IPCTNL_MSG_CT_NEW), 0, 1, 0, payload));
        } catch (NetlinkDecodeException expected) {
            return;
        }
        entry.toString();
        entry.hashCode();
        ConntrackRequests.delete(entry);
    }

    /** A UDP entry as the kernel dumps it after IPVS: VIP:53 in the original tuple, the real server in the reply. */
    public static List<byte[]> seeds() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(2).rawU8(NFNETLINK_V0).rawU16(0);
        tuple(w, CTA_TUPLE_ORIG, "10.0.0.5", "10.96.0.10", 40000, 53);
        tuple(w, CTA_TUPLE_REPLY, "10.244.1.7", "10.0.0.5", 53, 40000);
        w.u16Be(CTA_ZONE, 0);
        return List.of(w.toByteArray());
    }

    private static void tuple(AttributeWriter w, int type, String src, String dst, int sport, int dport) {
        int t = w.beginNested(type);
        int ip = w.beginNested(CTA_TUPLE_IP);
        w.address(CTA_IP_V4_SRC, IpPrefix.parseAddress(src)).address(CTA_IP_V4_DST, IpPrefix.parseAddress(dst));
        w.endNested(ip);
        int proto = w.beginNested(CTA_TUPLE_PROTO);
        w.u8(CTA_PROTO_NUM, IPPROTO_UDP).u16Be(CTA_PROTO_SRC_PORT, sport).u16Be(CTA_PROTO_DST_PORT, dport);
        w.endNested(proto);
        w.endNested(t);
    }
}
