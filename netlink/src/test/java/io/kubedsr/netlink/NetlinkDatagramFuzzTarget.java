package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.route.RtnlRequests;

/**
 * Fuzz target: a datagram as a netlink socket could receive it. Split into messages, every payload read as
 * attributes (nests followed four levels deep, every typed getter tried on every attribute), NLMSG_ERROR
 * payloads turned into their exception. Typed failure: {@link NetlinkDecodeException} only.
 */
public final class NetlinkDatagramFuzzTarget {
    private NetlinkDatagramFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] datagram) {
        List<NetlinkMessage> messages;
        try {
            messages = NetlinkMessage.parseAll(datagram);
        } catch (NetlinkDecodeException expected) {
            return;
        }
        for (NetlinkMessage m : messages) {
            m.toString();
            try {
                walk(Attributes.parse(m.payload()), 0);
            } catch (NetlinkDecodeException expected) {
                // the payload is not all attributes
            }
            if (m.isError()) {
                try {
                    NetlinkException e = NetlinkConnection.errorOf("fuzz", m);
                    if (e != null) {
                        e.getMessage();
                        e.errno().number();
                        e.isNotFound();
                        e.alreadyExists();
                    }
                } catch (NetlinkDecodeException expected) {
                    // a truncated error message
                }
            }
        }
    }

    private static void walk(Attributes attributes, int depth) {
        for (Attribute a : attributes.all()) {
            int t = a.type();
            for (Runnable getter : List.<Runnable>of(() -> attributes.u8(t), () -> attributes.u16(t), () -> attributes.u16Be(t),
                    () -> attributes.u32(t), () -> attributes.u32Be(t), () -> attributes.u64(t), () -> attributes.string(t),
                    () -> attributes.bytes(t), () -> attributes.address(t))) {
                try {
                    getter.run();
                } catch (NetlinkDecodeException expected) {
                    // too short for that type
                }
            }
            if (depth < 4) {
                try {
                    walk(attributes.nested(a), depth + 1);
                } catch (NetlinkDecodeException expected) {
                    // not a nest
                }
            }
        }
    }

    /** Valid datagrams: requests the library writes, an ACK, an error with extended-ack TLVs, a DONE. */
    public static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        out.add(RtnlRequests.dumpLinks().bytes());
        out.add(RtnlRequests.getLink("kube-dummy-if").bytes());
        out.add(error(0, 0));
        out.add(error(-17, NetlinkFlags.NLM_F_ACK_TLVS | NetlinkFlags.NLM_F_CAPPED));
        ByteBuffer done = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder());
        done.putInt(20).putShort((short) NetlinkFlags.NLMSG_DONE).putShort((short) 2).putInt(1).putInt(0).putInt(0);
        out.add(done.array());
        return out;
    }

    private static byte[] error(int errno, int flags) {
        AttributeWriter w = new AttributeWriter();
        w.rawU32(0).rawU16(NetlinkFlags.NLMSG_ERROR).rawU16(flags).rawU32(1).rawU32(0);
        w.rawU32(errno);
        w.rawU32(16).rawU16(16).rawU16(5).rawU32(1).rawU32(0); // the echoed request header
        w.string(NetlinkFlags.NLMSGERR_ATTR_MSG, "File exists").u32(NetlinkFlags.NLMSGERR_ATTR_OFFS, 20);
        byte[] b = w.toByteArray();
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, b.length);
        return b;
    }
}
