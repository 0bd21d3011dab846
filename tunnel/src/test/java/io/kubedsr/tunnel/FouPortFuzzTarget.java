package io.kubedsr.tunnel;

import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkMessage;

/**
 * Fuzz target: one entry of a FOU port dump (read in the node's namespace and in every DSR pod's). Typed
 * failure: {@link NetlinkDecodeException} only; a port that decodes must be encodable as the delete request
 * the agent sends for a port it does not want.
 */
public final class FouPortFuzzTarget {
    private FouPortFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] payload) {
        FouPort port;
        try {
            port = FouClient.decodePort(new NetlinkMessage(0x20, 0, 1, 0, payload));
        } catch (NetlinkDecodeException expected) {
            return;
        }
        if (port != null) {
            port.toString();
            port.hashCode();
            FouClient.deleteRequest(1, port);
        }
    }

    /** The add request's payload: a dump entry carries the same attributes. */
    public static List<byte[]> seeds() {
        byte[] b = FouClient.addRequest(1, new FouPort(AddressFamily.INET6, 5555)).bytes();
        return List.of(java.util.Arrays.copyOfRange(b, NetlinkFlags.HEADER_LENGTH, b.length));
    }
}
