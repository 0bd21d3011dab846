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
 * An address on a link: {@code prefix} is the address with its prefix length (10.0.0.1/24).
 * {@code noDad} (IFA_F_NODAD) skips IPv6 duplicate address detection so the address is usable at once.
 */
public record Address(int linkIndex, IpPrefix prefix, RouteScope scope, boolean noDad) {
    /** IFA_F_NODAD. */
    static final int IFA_F_NODAD = 0x02;

    public Address {
        if (linkIndex <= 0) {
            throw new IllegalArgumentException("link index must be positive");
        }
    }

    public static Address of(int linkIndex, IpPrefix prefix) {
        return new Address(linkIndex, prefix, RouteScope.UNIVERSE, false);
    }

    public AddressFamily family() {
        return prefix.family();
    }

    public InetAddress address() {
        return prefix.address();
    }

    static Address decode(NetlinkMessage m) {
        m.attributes(IFADDRMSG_LENGTH); // checks the fixed header is complete before it is read
        try {
            return decodeChecked(m);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent address message: " + e.getMessage());
        }
    }

    private static Address decodeChecked(NetlinkMessage m) {
        ByteBuffer p = m.payloadBuffer();
        int prefixLength = p.get(1) & 0xFF;
        int scope = p.get(3) & 0xFF;
        int index = p.getInt(4);
        Attributes a = m.attributes(IFADDRMSG_LENGTH);
        // For IPv4 IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on point-to-point links).
        InetAddress address = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL) : a.address(IFA_ADDRESS);
        long flags = a.has(IFA_FLAGS) ? a.u32(IFA_FLAGS) : (p.get(2) & 0xFF);
        return new Address(index, new IpPrefix(address, prefixLength), RouteScope.of(scope), (flags & IFA_F_NODAD) != 0);
    }

    @Override
    public String toString() {
        return prefix + " on " + linkIndex + " scope " + scope.name().toLowerCase() + (noDad ? " nodad" : "");
    }
}
