package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.ipvs.IpvsDecoders;
import io.kubedsr.ipvs.IpvsRequests;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.RtnlDecoders;
import io.kubedsr.netlink.route.RtnlRequests;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.ServiceTable;

/**
 * The netlink messages a fresh node's first full sync sends for a table (the dummy link, each VIP's local route,
 * each virtual server and its real servers), encoded as the kernel clients encode them and decoded back as a dump's
 * answer decodes, with no socket. {@code kube-dsr warm-up} runs it so that the class-data-sharing archive holds the
 * codecs a real start loads; nothing is sent to a kernel. An add request's body (ifinfomsg, rtmsg, the IPVS
 * command's nests) has the layout of the kernel's dump answer for the same object, which is what makes the decoding
 * meaningful.
 */
public final class OfflineMessages {
    /** The generic netlink family id IPVS gets is the kernel's choice at boot; any id encodes the same messages. */
    static final int IPVS_FAMILY_ID = 0x20;
    /** The dummy link's index, likewise the kernel's choice. */
    static final int DUMMY_INDEX = 2;

    private OfflineMessages() {
    }

    /** The objects decoded from the messages of {@code table}'s first sync: a Link, Routes, virtual and real servers. */
    public static List<Object> roundTrip(ServiceTable table) {
        List<Object> decoded = new ArrayList<>();
        decoded.add(RtnlDecoders.decodeAny(message(RtnlRequests.addLink(SyncEngine.DUMMY_LINK, new LinkKind.Dummy(), 0))));
        for (InetAddress vip : table.vips()) {
            decoded.add(RtnlDecoders.decodeAny(message(RtnlRequests.replaceRoute(VipRoutes.localRoute(vip, DUMMY_INDEX, null)))));
        }
        for (DesiredVirtualServer want : table.winners().values()) {
            VirtualServer vs = want.server();
            decoded.add(IpvsDecoders.virtualServer(message(IpvsRequests.addVirtualServer(IPVS_FAMILY_ID, vs))).server());
            for (RealServer rs : want.realServers()) {
                NetlinkMessage m = message(IpvsRequests.addRealServer(IPVS_FAMILY_ID, vs.key(), rs));
                decoded.add(IpvsDecoders.realServer(m, vs.key().family()).server());
            }
        }
        return decoded;
    }

    private static NetlinkMessage message(NetlinkRequest request) {
        return NetlinkMessage.parseAll(request.bytes()).get(0);
    }
}
