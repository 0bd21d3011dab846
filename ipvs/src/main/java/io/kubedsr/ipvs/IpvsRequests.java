package io.kubedsr.ipvs;

import static io.kubedsr.ipvs.IpvsConstants.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.MessageBuilder;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.genl.GenericNetlink;

/**
 * Encodes IPVS generic netlink requests. Pure; the family id comes from the connection's resolution.
 * Nests are written without NLA_F_NESTED, as ipvsadm's libnl does; ports are big-endian.
 */
public final class IpvsRequests {
    private IpvsRequests() {
    }

    private static MessageBuilder start(int familyId, int command, int flags, String what) {
        return GenericNetlink.request(familyId, command, GENL_VERSION, flags, what);
    }

    /** For the writes a full sync issues by the 100,000: their descriptions are built only for an error. */
    private static MessageBuilder start(int familyId, int command, Supplier<String> what) {
        return GenericNetlink.request(familyId, command, GENL_VERSION, 0, what);
    }

    private static void serviceKey(MessageBuilder b, VirtualServerKey key) {
        b.u16(SVC_ATTR_AF, key.family().number());
        if (key instanceof VirtualServerKey.ByAddress a) {
            b.u16(SVC_ATTR_PROTOCOL, a.protocol().number());
            b.address(SVC_ATTR_ADDR, a.address());
            b.u16Be(SVC_ATTR_PORT, a.port());
        } else {
            b.u32(SVC_ATTR_FWMARK, ((VirtualServerKey.ByFwmark) key).fwmark());
        }
    }

    private static void serviceNest(MessageBuilder b, VirtualServerKey key) {
        int n = b.beginNestedLegacy(CMD_ATTR_SERVICE);
        serviceKey(b, key);
        b.endNested(n);
    }

    private static void serviceConfigNest(MessageBuilder b, VirtualServer vs) {
        int n = b.beginNestedLegacy(CMD_ATTR_SERVICE);
        serviceKey(b, vs.key());
        b.string(SVC_ATTR_SCHED_NAME, vs.scheduler().name());
        // struct ip_vs_flags { u32 flags; u32 mask; }: the mask says which bits to set, here all of them.
        byte[] flags = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
                .putInt(ServiceFlag.toBits(vs.flags())).putInt(0xFFFFFFFF).array();
        b.bytes(SVC_ATTR_FLAGS, flags);
        b.u32(SVC_ATTR_TIMEOUT, vs.timeoutSeconds());
        if (vs.key().family() == AddressFamily.INET) {
            b.u32Be(SVC_ATTR_NETMASK, prefixToMask(vs.netmaskPrefix())); // IPv4: a __be32 mask
        } else {
            b.u32(SVC_ATTR_NETMASK, vs.netmaskPrefix()); // IPv6: the prefix length itself
        }
        b.endNested(n);
    }

    static int prefixToMask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static void destKey(MessageBuilder b, InetAddress address, int port) {
        b.address(DEST_ATTR_ADDR, address);
        b.u16Be(DEST_ATTR_PORT, port);
        b.u16(DEST_ATTR_ADDR_FAMILY, AddressFamily.of(address).number());
    }

    private static void destNest(MessageBuilder b, RealServer rs) {
        int n = b.beginNestedLegacy(CMD_ATTR_DEST);
        destKey(b, rs.address(), rs.port());
        b.u32(DEST_ATTR_FWD_METHOD, rs.forwarding().method());
        b.u32(DEST_ATTR_WEIGHT, rs.weight());
        b.u32(DEST_ATTR_U_THRESH, rs.upperThreshold());
        b.u32(DEST_ATTR_L_THRESH, rs.lowerThreshold());
        if (rs.forwarding() instanceof Forwarding.Tunnel t) {
            b.u8(DEST_ATTR_TUN_TYPE, t.type().number());
            b.u16Be(DEST_ATTR_TUN_PORT, t.port());
            b.u16(DEST_ATTR_TUN_FLAGS, t.checksum().bits());
        }
        b.endNested(n);
    }

    public static NetlinkRequest addVirtualServer(int familyId, VirtualServer vs) {
        MessageBuilder b = start(familyId, CMD_NEW_SERVICE, () -> "add virtual server " + vs);
        serviceConfigNest(b, vs);
        return b.build();
    }

    public static NetlinkRequest editVirtualServer(int familyId, VirtualServer vs) {
        MessageBuilder b = start(familyId, CMD_SET_SERVICE, () -> "edit virtual server " + vs);
        serviceConfigNest(b, vs);
        return b.build();
    }

    public static NetlinkRequest deleteVirtualServer(int familyId, VirtualServerKey key) {
        MessageBuilder b = start(familyId, CMD_DEL_SERVICE, () -> "delete virtual server " + key);
        serviceNest(b, key);
        return b.build();
    }

    public static NetlinkRequest getVirtualServer(int familyId, VirtualServerKey key) {
        MessageBuilder b = start(familyId, CMD_GET_SERVICE, 0, "get virtual server " + key);
        serviceNest(b, key);
        return b.build();
    }

    public static NetlinkRequest dumpVirtualServers(int familyId) {
        return start(familyId, CMD_GET_SERVICE, NetlinkFlags.NLM_F_DUMP, "dump virtual servers").build();
    }

    public static NetlinkRequest addRealServer(int familyId, VirtualServerKey service, RealServer rs) {
        MessageBuilder b = start(familyId, CMD_NEW_DEST, () -> "add real server " + rs + " to " + service);
        serviceNest(b, service);
        destNest(b, rs);
        return b.build();
    }

    public static NetlinkRequest editRealServer(int familyId, VirtualServerKey service, RealServer rs) {
        MessageBuilder b = start(familyId, CMD_SET_DEST, () -> "edit real server " + rs + " of " + service);
        serviceNest(b, service);
        destNest(b, rs);
        return b.build();
    }

    public static NetlinkRequest deleteRealServer(int familyId, VirtualServerKey service, RealServerKey rs) {
        MessageBuilder b = start(familyId, CMD_DEL_DEST, () -> "delete real server " + rs + " of " + service);
        serviceNest(b, service);
        int n = b.beginNestedLegacy(CMD_ATTR_DEST);
        destKey(b, rs.address(), rs.port());
        b.endNested(n);
        return b.build();
    }

    public static NetlinkRequest dumpRealServers(int familyId, VirtualServerKey service) {
        MessageBuilder b = start(familyId, CMD_GET_DEST, NetlinkFlags.NLM_F_DUMP, "dump real servers of " + service);
        serviceNest(b, service);
        return b.build();
    }

    public static NetlinkRequest getTimeouts(int familyId) {
        return start(familyId, CMD_GET_CONFIG, 0, "get IPVS timeouts").build();
    }

    public static NetlinkRequest setTimeouts(int familyId, IpvsTimeouts t) {
        MessageBuilder b = start(familyId, CMD_SET_CONFIG, 0, "set IPVS timeouts " + t);
        b.u32(CMD_ATTR_TIMEOUT_TCP, t.tcp());
        b.u32(CMD_ATTR_TIMEOUT_TCP_FIN, t.tcpFin());
        b.u32(CMD_ATTR_TIMEOUT_UDP, t.udp());
        return b.build();
    }

    public static NetlinkRequest getInfo(int familyId) {
        return start(familyId, CMD_GET_INFO, 0, "get IPVS info").build();
    }

    public static NetlinkRequest flush(int familyId) {
        return start(familyId, CMD_FLUSH, 0, "flush IPVS").build();
    }

    public static NetlinkRequest zero(int familyId) {
        return start(familyId, CMD_ZERO, 0, "zero IPVS counters").build();
    }
}
