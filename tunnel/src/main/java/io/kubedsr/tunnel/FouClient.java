package io.kubedsr.tunnel;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.MessageBuilder;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.genl.GenericNetlink;

/**
 * GUE receive ports through the {@code fou} generic netlink family (linux/fou.h), for the namespace of its
 * connection. The fou module must be loaded: the family has no autoload alias.
 */
public final class FouClient {
    static final String FAMILY_NAME = "fou";
    static final int VERSION = 1;
    static final int CMD_ADD = 1;
    static final int CMD_DEL = 2;
    static final int CMD_GET = 3;
    static final int ATTR_PORT = 1;
    static final int ATTR_AF = 2;
    static final int ATTR_TYPE = 4;
    static final int ENCAP_GUE = 2;

    private final NetlinkConnection connection;
    private final int familyId;

    public FouClient(NetlinkConnection connection) {
        this.connection = connection;
        this.familyId = GenericNetlink.resolveFamily(connection, FAMILY_NAME).id();
    }

    /**
     * Whether the connection's kernel has the {@code fou} family, i.e. can decapsulate GUE at all: without the
     * fou module (not loaded, or not built) the family lookup fails with ENOENT.
     */
    public static boolean available(NetlinkConnection connection) {
        try {
            GenericNetlink.resolveFamily(connection, FAMILY_NAME);
            return true;
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    public static NetlinkRequest addRequest(int familyId, FouPort port) {
        MessageBuilder b = GenericNetlink.request(familyId, CMD_ADD, VERSION, 0, "add fou " + port);
        b.u16Be(ATTR_PORT, port.port());
        b.u8(ATTR_AF, port.family().number());
        // No FOU_ATTR_IPPROTO: GUE carries the inner protocol in its header, and newer kernels refuse it here.
        b.u8(ATTR_TYPE, ENCAP_GUE);
        return b.build();
    }

    public static NetlinkRequest deleteRequest(int familyId, FouPort port) {
        MessageBuilder b = GenericNetlink.request(familyId, CMD_DEL, VERSION, 0, "delete fou " + port);
        b.u16Be(ATTR_PORT, port.port());
        b.u8(ATTR_AF, port.family().number());
        return b.build();
    }

    public static NetlinkRequest dumpRequest(int familyId) {
        return GenericNetlink.request(familyId, CMD_GET, VERSION, NetlinkFlags.NLM_F_DUMP, "dump fou ports").build();
    }

    /** The GUE ports of this namespace (direct FOU ports are not kube-dsr's and are left out). */
    public List<FouPort> ports() {
        List<FouPort> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(dumpRequest(familyId))) {
            FouPort p = decodePort(m);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * One entry of a FOU dump: the GUE port it describes, or null for a direct FOU port or an incomplete entry.
     * Malformed input throws {@link NetlinkDecodeException} only.
     */
    public static FouPort decodePort(NetlinkMessage m) {
        Attributes a = m.attributes(GenericNetlink.HEADER_LENGTH);
        Integer port = a.u16Be(ATTR_PORT);
        Integer af = a.u8(ATTR_AF);
        Integer type = a.u8(ATTR_TYPE);
        if (port == null || af == null || type == null || type != ENCAP_GUE) {
            return null;
        }
        try {
            return new FouPort(AddressFamily.of(af), port);
        } catch (IllegalArgumentException e) {
            // port 0 or family AF_UNSPEC (found by fuzzing): FouPort refuses them
            throw new NetlinkDecodeException("inconsistent FOU port: " + e.getMessage());
        }
    }

    /** Adds the port; returns false if it was there already (the kernel answers EALREADY). */
    public boolean add(FouPort port) {
        try {
            connection.execute(addRequest(familyId, port));
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == Errno.EALREADY) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes the port if present (the kernel answers EINVAL for a missing one, so look first). */
    public boolean delete(FouPort port) {
        if (!ports().contains(port)) {
            return false;
        }
        connection.execute(deleteRequest(familyId, port));
        return true;
    }
}
