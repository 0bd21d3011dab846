package io.kubedsr.netlink.route;

import static io.kubedsr.netlink.route.RtnlConstants.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/**
 * A route: destination prefix, table (254 main, 255 local, or any number), type, scope, protocol, preferred
 * source ({@code src}), gateway, output link index (0 for none) and metric. Build with {@link #to(IpPrefix)}
 * and the {@code with}-methods.
 */
public record Route(IpPrefix destination, int table, RouteType type, RouteScope scope, int protocol,
        InetAddress source, InetAddress gateway, int outputLink, int metric) {

    /** RTPROT_BOOT, what `ip route add` uses when no protocol is named. */
    public static final int PROTOCOL_BOOT = 3;
    /** RTPROT_STATIC. */
    public static final int PROTOCOL_STATIC = 4;
    public static final int TABLE_MAIN = RT_TABLE_MAIN;
    public static final int TABLE_LOCAL = 255;

    public Route {
        if (table <= 0) {
            throw new IllegalArgumentException("route table must be positive");
        }
        if (source != null && AddressFamily.of(source) != destination.family()
                || gateway != null && AddressFamily.of(gateway) != destination.family()) {
            throw new IllegalArgumentException("route " + destination + ": src and gateway must match its family");
        }
    }

    /** A unicast route in the main table, scope universe, protocol boot; set the rest with the with-methods. */
    public static Route to(IpPrefix destination) {
        return new Route(destination, TABLE_MAIN, RouteType.UNICAST, RouteScope.UNIVERSE, PROTOCOL_BOOT, null, null, 0, 0);
    }

    public AddressFamily family() {
        return destination.family();
    }

    public Route withTable(int t) {
        return new Route(destination, t, type, scope, protocol, source, gateway, outputLink, metric);
    }

    public Route withType(RouteType t) {
        return new Route(destination, table, t, scope, protocol, source, gateway, outputLink, metric);
    }

    public Route withScope(RouteScope s) {
        return new Route(destination, table, type, s, protocol, source, gateway, outputLink, metric);
    }

    public Route withProtocol(int p) {
        return new Route(destination, table, type, scope, p, source, gateway, outputLink, metric);
    }

    public Route withSource(InetAddress s) {
        return new Route(destination, table, type, scope, protocol, s, gateway, outputLink, metric);
    }

    public Route withGateway(InetAddress g) {
        return new Route(destination, table, type, scope, protocol, source, g, outputLink, metric);
    }

    public Route withOutputLink(int index) {
        return new Route(destination, table, type, scope, protocol, source, gateway, index, metric);
    }

    public Route withMetric(int m) {
        return new Route(destination, table, type, scope, protocol, source, gateway, outputLink, m);
    }

    static Route decode(NetlinkMessage m) {
        m.attributes(RTMSG_LENGTH); // checks the fixed header is complete before it is read
        try {
            return decodeChecked(m);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent route message: " + e.getMessage());
        }
    }

    private static Route decodeChecked(NetlinkMessage m) {
        ByteBuffer p = m.payloadBuffer();
        AddressFamily family = AddressFamily.of(p.get(0) & 0xFF);
        if (family == AddressFamily.UNSPEC) {
            // No default destination exists without a family (found by fuzzing: AF_UNSPEC without RTA_DST).
            throw new NetlinkDecodeException("route message of family AF_UNSPEC");
        }
        int dstLen = p.get(1) & 0xFF;
        int headerTable = p.get(4) & 0xFF;
        int protocol = p.get(5) & 0xFF;
        int scope = p.get(6) & 0xFF;
        int type = p.get(7) & 0xFF;
        Attributes a = m.attributes(RTMSG_LENGTH);
        InetAddress dst = a.has(RTA_DST) ? a.address(RTA_DST) : family.anyAddress();
        int table = a.u32OrDefault(RTA_TABLE, headerTable);
        return new Route(new IpPrefix(dst, dstLen), table, RouteType.of(type), RouteScope.of(scope), protocol,
                a.address(RTA_PREFSRC), a.address(RTA_GATEWAY), a.u32OrDefault(RTA_OIF, 0),
                a.u32OrDefault(RTA_PRIORITY, 0));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (type != RouteType.UNICAST) {
            sb.append(type.name().toLowerCase()).append(' ');
        }
        sb.append(destination);
        if (gateway != null) {
            sb.append(" via ").append(IpPrefix.format(gateway));
        }
        if (outputLink != 0) {
            sb.append(" dev #").append(outputLink);
        }
        sb.append(" table ").append(table);
        if (source != null) {
            sb.append(" src ").append(IpPrefix.format(source));
        }
        sb.append(" proto ").append(protocol).append(" scope ").append(scope.name().toLowerCase());
        if (metric != 0) {
            sb.append(" metric ").append(metric);
        }
        return sb.toString();
    }
}
