package io.kubedsr.netlink.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkFlags;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * Fuzz target: the rtnetlink decoders (links with their tunnel data, addresses, routes, rules). The first byte
 * picks the message type, the rest is the payload. Typed failure: {@link NetlinkDecodeException} only; what
 * decodes must be a usable value (printable, hashable, equal to itself), since the engines keep them in maps.
 */
public final class RtnetlinkFuzzTarget {
    private static final int[] TYPES = {RtnlConstants.RTM_NEWLINK, RtnlConstants.RTM_NEWADDR, RtnlConstants.RTM_NEWROUTE,
        RtnlConstants.RTM_NEWRULE};

    private RtnetlinkFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int type = TYPES[(data[0] & 0xFF) % TYPES.length];
        NetlinkMessage m = new NetlinkMessage(type, 0, 1, 0, Arrays.copyOfRange(data, 1, data.length));
        Object decoded;
        try {
            decoded = RtnlDecoders.decodeAny(m);
        } catch (NetlinkDecodeException expected) {
            return;
        }
        use(decoded);
    }

    /** What the engines do with a decoded object: print it, hash it, compare it. */
    static void use(Object decoded) {
        decoded.toString();
        decoded.hashCode();
        if (!decoded.equals(decoded)) {
            throw new IllegalStateException("a decoded value is not equal to itself: " + decoded);
        }
    }

    /** The payloads of the messages the library writes (a dump reply has the same layout), type byte first. */
    public static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        var local = IpPrefix.parseAddress("192.168.1.10");
        var remote = IpPrefix.parseAddress("192.168.2.10");
        out.add(seed(0, RtnlRequests.addLink("tun-a", LinkKind.IpTunnel.ipip(local, remote, 225,
                io.kubedsr.netlink.route.TunnelEncap.gue(5555)), 1480)));
        out.add(seed(0, RtnlRequests.addLink("kube-tunnel-v6", LinkKind.IpTunnel.ip6ip6(IpPrefix.parseAddress("fd00::1"),
                null, 64, null), 0)));
        out.add(seed(0, RtnlRequests.addLink("kube-dummy-if", new LinkKind.Dummy(), 1500)));
        out.add(seed(1, RtnlRequests.addAddress(Address.of(3, IpPrefix.parse("10.96.0.1/32")))));
        out.add(seed(1, RtnlRequests.addAddress(new Address(3, IpPrefix.parse("fd00::10/128"), RouteScope.UNIVERSE, true))));
        out.add(seed(2, RtnlRequests.addRoute(Route.to(IpPrefix.parse("10.244.2.0/24")).withGateway(remote)
                .withSource(local).withOutputLink(4).withProtocol(107).withMetric(10))));
        out.add(seed(3, RtnlRequests.addRule(Rule.fwmark(AddressFamily.INET, 32764, 0x1234, 78))));
        out.add(seed(3, RtnlRequests.addRule(new Rule(AddressFamily.INET6, 100, 0, 0, IpPrefix.parse("fd00::/64"), null, 200))));
        return out;
    }

    private static byte[] seed(int typeIndex, NetlinkRequest request) {
        byte[] b = request.bytes();
        byte[] out = new byte[b.length - NetlinkFlags.HEADER_LENGTH + 1];
        out[0] = (byte) typeIndex;
        System.arraycopy(b, NetlinkFlags.HEADER_LENGTH, out, 1, b.length - NetlinkFlags.HEADER_LENGTH);
        return out;
    }
}
