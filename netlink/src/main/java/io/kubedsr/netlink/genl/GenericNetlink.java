package io.kubedsr.netlink.genl;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.kubedsr.netlink.Attribute;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.MessageBuilder;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * Generic netlink: the genlmsghdr (cmd, version, reserved) and family resolution through the controller
 * (GENL_ID_CTRL, CTRL_CMD_GETFAMILY). Family ids are per boot; callers keep them per connection, never in statics.
 */
public final class GenericNetlink {
    /** GENL_ID_CTRL. */
    public static final int CONTROLLER_ID = 0x10;
    /** sizeof(struct genlmsghdr). */
    public static final int HEADER_LENGTH = 4;
    static final int CTRL_CMD_GETFAMILY = 3;
    static final int CTRL_ATTR_FAMILY_ID = 1;
    static final int CTRL_ATTR_FAMILY_NAME = 2;
    static final int CTRL_ATTR_VERSION = 3;
    static final int CTRL_ATTR_HDRSIZE = 4;
    static final int CTRL_ATTR_MAXATTR = 5;
    static final int CTRL_ATTR_MCAST_GROUPS = 7;
    static final int CTRL_ATTR_MCAST_GRP_NAME = 1;
    static final int CTRL_ATTR_MCAST_GRP_ID = 2;

    private GenericNetlink() {
    }

    /** Starts a request to a family: nlmsghdr then genlmsghdr; add attributes and build. */
    public static MessageBuilder request(int familyId, int command, int version, int flags, String description) {
        return request(familyId, command, version, flags, () -> description);
    }

    /** As above, the description built only when asked for. */
    public static MessageBuilder request(int familyId, int command, int version, int flags,
            Supplier<String> description) {
        MessageBuilder b = new MessageBuilder(familyId, flags, description);
        b.rawU8(command).rawU8(version).rawU16(0); // cmd, version, reserved
        return b;
    }

    public static NetlinkRequest getFamilyRequest(String name) {
        MessageBuilder b = request(CONTROLLER_ID, CTRL_CMD_GETFAMILY, 1, 0, "resolve generic netlink family " + name);
        b.string(CTRL_ATTR_FAMILY_NAME, name);
        return b.build();
    }

    /**
     * Resolves a family by name. An unknown family (module not loaded and not loadable) throws a
     * {@link NetlinkException} whose {@link NetlinkException#isNotFound()} is true.
     */
    public static GenlFamily resolveFamily(NetlinkConnection connection, String name) {
        if (connection.socket().protocol() != NetlinkProtocol.GENERIC) {
            throw new IllegalArgumentException("family resolution needs a NETLINK_GENERIC connection");
        }
        List<NetlinkMessage> replies = connection.execute(getFamilyRequest(name));
        if (replies.isEmpty()) {
            throw new NetlinkDecodeException("controller sent no reply for family " + name);
        }
        return decodeFamily(replies.get(0));
    }

    static GenlFamily decodeFamily(NetlinkMessage m) {
        Attributes a = m.attributes(HEADER_LENGTH);
        Integer id = a.u16(CTRL_ATTR_FAMILY_ID);
        String name = a.string(CTRL_ATTR_FAMILY_NAME);
        if (id == null || name == null) {
            throw new NetlinkDecodeException("family reply without id or name: " + m);
        }
        Map<String, Integer> groups = new HashMap<>();
        Attributes list = a.nested(CTRL_ATTR_MCAST_GROUPS);
        if (list != null) {
            for (Attribute group : list.all()) {
                Attributes g = list.nested(group);
                String groupName = g.string(CTRL_ATTR_MCAST_GRP_NAME);
                Long groupId = g.u32(CTRL_ATTR_MCAST_GRP_ID);
                if (groupName != null && groupId != null) {
                    groups.put(groupName, groupId.intValue());
                }
            }
        }
        return new GenlFamily(id, name, a.u32OrDefault(CTRL_ATTR_VERSION, 0), a.u32OrDefault(CTRL_ATTR_HDRSIZE, 0),
                a.u32OrDefault(CTRL_ATTR_MAXATTR, 0), groups);
    }
}
