package io.kubedsr.ipvs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * Fuzz target: the IPVS reply decoders (virtual servers, real servers of either family, timeouts, info); the
 * first byte picks the decoder, the rest is the generic netlink payload. Typed failure:
 * {@link NetlinkDecodeException} only. What decodes must be usable the way the sync engine uses a dump:
 * printed, hashed, compared, and written back (an adopted virtual server is edited, an orphan deleted).
 */
public final class IpvsDecodersFuzzTarget {
    private IpvsDecodersFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        NetlinkMessage m = new NetlinkMessage(0x20, 0, 1, 0, Arrays.copyOfRange(data, 1, data.length));
        try {
            switch ((data[0] & 0xFF) % 5) {
                case 0 -> {
                    VirtualServerStatus s = IpvsDecoders.virtualServer(m);
                    use(s);
                    IpvsRequests.editVirtualServer(1, s.server());
                    IpvsRequests.deleteVirtualServer(1, s.server().key());
                }
                case 1, 2 -> {
                    RealServerStatus s = IpvsDecoders.realServer(m, data[0] % 5 == 1 ? AddressFamily.INET : AddressFamily.INET6);
                    use(s);
                    VirtualServerKey fwmark = VirtualServerKey.ofFwmark(s.server().family(), 1);
                    IpvsRequests.editRealServer(1, fwmark, s.server());
                    IpvsRequests.deleteRealServer(1, fwmark, s.server().key());
                }
                case 3 -> use(IpvsDecoders.timeouts(m));
                default -> use(IpvsDecoders.info(m));
            }
        } catch (NetlinkDecodeException expected) {
            // malformed reply
        }
    }

    private static void use(Object decoded) {
        decoded.toString();
        decoded.hashCode();
        if (!decoded.equals(decoded)) {
            throw new IllegalStateException("a decoded value is not equal to itself: " + decoded);
        }
    }

    /** The payloads of requests the client writes (a dump reply nests the same attributes), decoder byte first. */
    public static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        VirtualServer v4 = VirtualServer.of(VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.1"), Protocol.TCP, 80), Scheduler.RR)
                .withFlags(Set.of(ServiceFlag.SCHED1)).withPersistence(10800);
        VirtualServer v6 = VirtualServer.of(VirtualServerKey.ofFwmark(AddressFamily.INET6, 0x1234), Scheduler.MH);
        out.add(seed(0, IpvsRequests.addVirtualServer(1, v4)));
        out.add(seed(0, IpvsRequests.addVirtualServer(1, v6)));
        out.add(seed(1, IpvsRequests.addRealServer(1, v4.key(),
                RealServer.of(IpPrefix.parseAddress("10.244.1.5"), 8080, Forwarding.MASQUERADE, 1))));
        out.add(seed(2, IpvsRequests.addRealServer(1, v6.key(),
                RealServer.of(IpPrefix.parseAddress("fd00::5"), 80, Forwarding.gue(5555), 1))));
        out.add(seed(3, IpvsRequests.setTimeouts(1, new IpvsTimeouts(900, 120, 300))));
        return out;
    }

    private static byte[] seed(int decoder, NetlinkRequest request) {
        byte[] b = request.bytes();
        byte[] out = new byte[b.length - NetlinkFlags.HEADER_LENGTH + 1];
        out[0] = (byte) decoder;
        System.arraycopy(b, NetlinkFlags.HEADER_LENGTH, out, 1, b.length - NetlinkFlags.HEADER_LENGTH);
        return out;
    }
}
