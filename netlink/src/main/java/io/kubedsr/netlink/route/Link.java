package io.kubedsr.netlink.route;

import static io.kubedsr.netlink.route.RtnlConstants.*;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/** A network interface as the kernel reports it (RTM_NEWLINK). */
public record Link(int index, String name, int flags, int mtu, int masterIndex, byte[] hardwareAddress, LinkKind kind) {

    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }

    static Link decode(NetlinkMessage m) {
        m.attributes(IFINFOMSG_LENGTH); // checks the fixed header is complete before it is read
        try {
            return decodeChecked(m);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent link message: " + e.getMessage());
        }
    }

    private static Link decodeChecked(NetlinkMessage m) {
        ByteBuffer p = m.payloadBuffer();
        Attributes a = m.attributes(IFINFOMSG_LENGTH);
        int index = p.getInt(4); // ifi_index after family, pad, type
        int flags = p.getInt(8);
        String name = a.string(IFLA_IFNAME);
        if (name == null) {
            // The kernel names every link it reports; a nameless one could not be hashed or compared (found by fuzzing).
            throw new NetlinkDecodeException("link message without IFLA_IFNAME");
        }
        int mtu = a.u32OrDefault(IFLA_MTU, 0);
        int master = a.u32OrDefault(IFLA_MASTER, 0);
        byte[] mac = a.bytes(IFLA_ADDRESS);
        LinkKind kind = new LinkKind.Other("");
        Attributes info = a.nested(IFLA_LINKINFO);
        if (info != null) {
            String k = info.string(IFLA_INFO_KIND);
            Attributes data = info.nested(IFLA_INFO_DATA);
            kind = decodeKind(k == null ? "" : k, data);
        }
        return new Link(index, name, flags, mtu, master, mac == null ? new byte[0] : mac, kind);
    }

    private static LinkKind decodeKind(String kind, Attributes data) {
        switch (kind) {
            case "dummy":
                return new LinkKind.Dummy();
            case "bridge":
                return new LinkKind.Bridge();
            case "veth":
                return new LinkKind.Veth(null);
            case "ipip":
            case "ip6tnl":
                if (data == null) {
                    return new LinkKind.Other(kind);
                }
                AddressFamily family = kind.equals("ipip") ? AddressFamily.INET : AddressFamily.INET6;
                InetAddress local = unlessAny(data.address(IFLA_IPTUN_LOCAL));
                InetAddress remote = unlessAny(data.address(IFLA_IPTUN_REMOTE));
                int ttl = data.u8OrDefault(IFLA_IPTUN_TTL, 0);
                boolean external = data.has(IFLA_IPTUN_COLLECT_METADATA);
                TunnelEncap.Type type = TunnelEncap.Type.of(intOr(data.u16(IFLA_IPTUN_ENCAP_TYPE), 0));
                TunnelEncap encap = type == TunnelEncap.Type.NONE ? TunnelEncap.NONE
                        : new TunnelEncap(type, intOr(data.u16(IFLA_IPTUN_ENCAP_FLAGS), 0),
                                intOr(data.u16Be(IFLA_IPTUN_ENCAP_SPORT), 0), intOr(data.u16Be(IFLA_IPTUN_ENCAP_DPORT), 0));
                if (local != null && AddressFamily.of(local) != family || remote != null && AddressFamily.of(remote) != family) {
                    return new LinkKind.Other(kind);
                }
                return new LinkKind.IpTunnel(family, local, remote, ttl, external, encap);
            default:
                return new LinkKind.Other(kind);
        }
    }

    private static int intOr(Integer v, int otherwise) {
        return v == null ? otherwise : v;
    }

    /** The kernel reports an unset tunnel endpoint as 0.0.0.0 or ::. */
    private static InetAddress unlessAny(InetAddress a) {
        return a == null || a.isAnyLocalAddress() ? null : a;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Link l && l.index == index && l.name.equals(name) && l.flags == flags && l.mtu == mtu
                && l.masterIndex == masterIndex && Arrays.equals(l.hardwareAddress, hardwareAddress)
                && l.kind.equals(kind);
    }

    @Override
    public int hashCode() {
        return index * 31 + name.hashCode();
    }

    @Override
    public String toString() {
        return "Link{" + index + ": " + name + " " + kind + (isUp() ? " UP" : " DOWN") + " mtu " + mtu
                + (masterIndex != 0 ? " master " + masterIndex : "")
                + (hardwareAddress.length > 0 ? " hw " + HexFormat.ofDelimiter(":").formatHex(hardwareAddress) : "") + "}";
    }
}
