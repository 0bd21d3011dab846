package io.kubedsr.netlink.route;

import static io.kubedsr.netlink.NetlinkFlags.*;
import static io.kubedsr.netlink.route.RtnlConstants.*;

import java.util.function.Supplier;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.MessageBuilder;
import io.kubedsr.netlink.NetlinkRequest;

/** Encodes rtnetlink requests. Pure: the bytes depend only on the arguments (golden-tested). */
public final class RtnlRequests {
    private RtnlRequests() {
    }

    private static MessageBuilder ifinfo(int type, int flags, String what, int family, int index, int ifFlags,
            int change) {
        MessageBuilder b = new MessageBuilder(type, flags, what);
        b.rawU8(family).rawU8(0).rawU16(0); // ifi_family, pad, ifi_type
        b.rawU32(index).rawU32(ifFlags).rawU32(change); // ifi_index, ifi_flags, ifi_change
        return b;
    }

    // ---- links ----

    public static NetlinkRequest dumpLinks() {
        return ifinfo(RTM_GETLINK, NLM_F_DUMP, "dump links", 0, 0, 0, 0).build();
    }

    public static NetlinkRequest getLink(String name) {
        MessageBuilder b = ifinfo(RTM_GETLINK, 0, "get link " + name, 0, 0, 0, 0);
        b.string(IFLA_IFNAME, name);
        return b.build();
    }

    public static NetlinkRequest getLink(int index) {
        return ifinfo(RTM_GETLINK, 0, "get link #" + index, 0, index, 0, 0).build();
    }

    /** RTM_NEWLINK with NLM_F_CREATE|NLM_F_EXCL; {@code mtu} 0 keeps the kind's default. */
    public static NetlinkRequest addLink(String name, LinkKind kind, int mtu) {
        validateName(name);
        MessageBuilder b = ifinfo(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "add link " + name + " (" + kind.kind() + ")",
                0, 0, 0, 0);
        b.string(IFLA_IFNAME, name);
        if (mtu > 0) {
            b.u32(IFLA_MTU, mtu);
        }
        int info = b.beginNested(IFLA_LINKINFO);
        b.string(IFLA_INFO_KIND, kind.kind());
        if (kind instanceof LinkKind.Veth veth && veth.peerName() != null) {
            validateName(veth.peerName());
            int data = b.beginNested(IFLA_INFO_DATA);
            int peer = b.beginNested(VETH_INFO_PEER);
            // VETH_INFO_PEER holds a struct ifinfomsg and then the peer's own IFLA attributes.
            b.rawU8(0).rawU8(0).rawU16(0).rawU32(0).rawU32(0).rawU32(0);
            b.string(IFLA_IFNAME, veth.peerName());
            b.endNested(peer);
            b.endNested(data);
        } else if (kind instanceof LinkKind.IpTunnel t) {
            tunnelData(b, t, false);
        }
        b.endNested(info);
        return b.build();
    }

    /**
     * RTM_NEWLINK on an existing ipip/ip6tnl link (no NLM_F_CREATE): the kernel's changelink replaces the
     * tunnel's parameters with the ones sent (absent ones become zero), so every one is sent, and the
     * encapsulation always, {@code encap none} included: without IFLA_IPTUN_ENCAP_* the kernel keeps the old one.
     * {@code mtu} 0 leaves the MTU alone; the kernel does not recompute an ipip link's MTU for a new
     * encapsulation, so a caller changing it sends the MTU in the same request (applied after changelink).
     */
    public static NetlinkRequest changeTunnel(int index, LinkKind.IpTunnel kind, int mtu) {
        MessageBuilder b = ifinfo(RTM_NEWLINK, 0, "change link #" + index + " to " + kind, 0, index, 0, 0);
        if (mtu > 0) {
            b.u32(IFLA_MTU, mtu);
        }
        int info = b.beginNested(IFLA_LINKINFO);
        b.string(IFLA_INFO_KIND, kind.kind());
        tunnelData(b, kind, true);
        b.endNested(info);
        return b.build();
    }

    private static void tunnelData(MessageBuilder b, LinkKind.IpTunnel t, boolean encapAlways) {
        int data = b.beginNested(IFLA_INFO_DATA);
        if (t.local() != null) {
            b.address(IFLA_IPTUN_LOCAL, t.local());
        }
        if (t.remote() != null) {
            b.address(IFLA_IPTUN_REMOTE, t.remote());
        }
        b.u8(IFLA_IPTUN_TTL, t.ttl());
        if (t.family() == AddressFamily.INET) {
            b.u8(IFLA_IPTUN_PMTUDISC, 1); // DF on the outer header, as iproute2 sets by default
        } else {
            b.u8(IFLA_IPTUN_PROTO, 41); // IPPROTO_IPV6: ip6ip6 mode
        }
        if (t.collectMetadata()) {
            b.flag(IFLA_IPTUN_COLLECT_METADATA);
        }
        if (encapAlways || t.encap().type() != TunnelEncap.Type.NONE) {
            b.u16(IFLA_IPTUN_ENCAP_TYPE, t.encap().type().number());
            b.u16(IFLA_IPTUN_ENCAP_FLAGS, t.encap().flags());
            // Ports are __be16 on the wire of netlink too.
            b.u16Be(IFLA_IPTUN_ENCAP_SPORT, t.encap().sourcePort());
            b.u16Be(IFLA_IPTUN_ENCAP_DPORT, t.encap().destinationPort());
        }
        b.endNested(data);
    }

    public static NetlinkRequest deleteLink(int index) {
        return ifinfo(RTM_DELLINK, 0, "delete link #" + index, 0, index, 0, 0).build();
    }

    public static NetlinkRequest deleteLink(String name) {
        MessageBuilder b = ifinfo(RTM_DELLINK, 0, "delete link " + name, 0, 0, 0, 0);
        b.string(IFLA_IFNAME, name);
        return b.build();
    }

    /** Sets or clears IFF_UP (ifi_change masks the flag that changes). */
    public static NetlinkRequest setLinkUp(int index, boolean up) {
        return ifinfo(RTM_NEWLINK, 0, "set link #" + index + (up ? " up" : " down"), 0, index, up ? IFF_UP : 0,
                IFF_UP).build();
    }

    public static NetlinkRequest setLinkMtu(int index, int mtu) {
        MessageBuilder b = ifinfo(RTM_NEWLINK, 0, "set link #" + index + " mtu " + mtu, 0, index, 0, 0);
        b.u32(IFLA_MTU, mtu);
        return b.build();
    }

    /** Enslaves a link to a bridge (IFLA_MASTER); 0 releases it. */
    public static NetlinkRequest setLinkMaster(int index, int masterIndex) {
        MessageBuilder b = ifinfo(RTM_NEWLINK, 0, "set link #" + index + " master #" + masterIndex, 0, index, 0, 0);
        b.u32(IFLA_MASTER, masterIndex);
        return b.build();
    }

    /** Moves a link into the network namespace open as {@code namespaceFd} (IFLA_NET_NS_FD). */
    public static NetlinkRequest moveLinkToNamespace(int index, int namespaceFd) {
        MessageBuilder b = ifinfo(RTM_NEWLINK, 0, "move link #" + index + " to netns fd " + namespaceFd, 0, index, 0, 0);
        b.u32(IFLA_NET_NS_FD, namespaceFd);
        return b.build();
    }

    static void validateName(String name) {
        if (name == null || name.isEmpty() || name.length() > 15 || name.contains("/") || name.contains(" ")
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid link name '" + name + "': 1-15 characters, no '/' or space");
        }
    }

    // ---- addresses ----

    private static MessageBuilder ifaddr(int type, int flags, Supplier<String> what, Address a) {
        MessageBuilder b = new MessageBuilder(type, flags, what);
        b.rawU8(a.family().number()).rawU8(a.prefix().length()); // ifa_family, ifa_prefixlen
        b.rawU8(a.noDad() ? Address.IFA_F_NODAD : 0).rawU8(a.scope().number()); // ifa_flags, ifa_scope
        b.rawU32(a.linkIndex()); // ifa_index
        b.address(IFA_LOCAL, a.address());
        b.address(IFA_ADDRESS, a.address());
        return b;
    }

    public static NetlinkRequest addAddress(Address a) {
        MessageBuilder b = ifaddr(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, () -> "add address " + a, a);
        if (a.noDad()) {
            b.u32(IFA_FLAGS, Address.IFA_F_NODAD);
        }
        return b.build();
    }

    public static NetlinkRequest deleteAddress(Address a) {
        return ifaddr(RTM_DELADDR, 0, () -> "delete address " + a, a).build();
    }

    public static NetlinkRequest dumpAddresses(AddressFamily family) {
        MessageBuilder b = new MessageBuilder(RTM_GETADDR, NLM_F_DUMP, "dump " + family + " addresses");
        b.rawU8(family.number()).rawU8(0).rawU8(0).rawU8(0).rawU32(0);
        return b.build();
    }

    // ---- routes ----

    private static MessageBuilder rtmsg(int type, int flags, Supplier<String> what, Route r, RouteScope scope,
            int protocol) {
        MessageBuilder b = new MessageBuilder(type, flags, what);
        b.rawU8(r.family().number()).rawU8(r.destination().length()).rawU8(0).rawU8(0); // family, dst_len, src_len, tos
        // rtm_table holds only 8 bits; RTA_TABLE carries the full number.
        b.rawU8(r.table() < 256 ? r.table() : RT_TABLE_UNSPEC).rawU8(protocol); // rtm_table, rtm_protocol
        b.rawU8(scope.number()).rawU8(r.type().number()); // rtm_scope, rtm_type
        b.rawU32(0); // rtm_flags
        b.u32(RTA_TABLE, r.table());
        if (r.destination().length() > 0 || !r.destination().address().isAnyLocalAddress()) {
            b.address(RTA_DST, r.destination().network());
        }
        if (r.source() != null) {
            b.address(RTA_PREFSRC, r.source());
        }
        if (r.gateway() != null) {
            b.address(RTA_GATEWAY, r.gateway());
        }
        if (r.outputLink() != 0) {
            b.u32(RTA_OIF, r.outputLink());
        }
        if (r.metric() != 0) {
            b.u32(RTA_PRIORITY, r.metric());
        }
        return b;
    }

    public static NetlinkRequest addRoute(Route r) {
        return rtmsg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, () -> "add route " + r, r, r.scope(), r.protocol()).build();
    }

    /** Adds or replaces the route with the same destination, table, tos and metric. */
    public static NetlinkRequest replaceRoute(Route r) {
        return rtmsg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, () -> "replace route " + r, r, r.scope(), r.protocol()).build();
    }

    /** Deletes the route: scope NOWHERE and protocol 0 match any scope and protocol, as `ip route del` does. */
    public static NetlinkRequest deleteRoute(Route r) {
        return rtmsg(RTM_DELROUTE, 0, () -> "delete route " + r, r, RouteScope.NOWHERE, 0).build();
    }

    /** Dumps the routes of a family in one table (the kernel filters by RTA_TABLE under strict checking). */
    public static NetlinkRequest dumpRoutes(AddressFamily family, int table) {
        MessageBuilder b = new MessageBuilder(RTM_GETROUTE, NLM_F_DUMP, "dump " + family + " routes of table " + table);
        b.rawU8(family.number()).rawU8(0).rawU8(0).rawU8(0);
        b.rawU8(table < 256 ? table : RT_TABLE_UNSPEC).rawU8(0).rawU8(0).rawU8(0).rawU32(0);
        b.u32(RTA_TABLE, table);
        return b.build();
    }

    // ---- rules ----

    private static MessageBuilder rule(int type, int flags, String what, Rule r) {
        MessageBuilder b = new MessageBuilder(type, flags, what);
        b.rawU8(r.family().number());
        b.rawU8(r.destination() == null ? 0 : r.destination().length()); // dst_len
        b.rawU8(r.source() == null ? 0 : r.source().length()); // src_len
        b.rawU8(0); // tos
        b.rawU8(r.table() < 256 ? r.table() : RT_TABLE_UNSPEC).rawU8(0).rawU8(0); // table, res1, res2
        b.rawU8(FR_ACT_TO_TBL).rawU32(0); // action, flags
        b.u32(FRA_PRIORITY, r.priority());
        b.u32(FRA_TABLE, r.table());
        if (r.fwmark() != 0 || r.fwmask() != 0) {
            b.u32(FRA_FWMARK, r.fwmark());
            b.u32(FRA_FWMASK, r.fwmask());
        }
        if (r.source() != null) {
            b.address(FRA_SRC, r.source().network());
        }
        if (r.destination() != null) {
            b.address(FRA_DST, r.destination().network());
        }
        return b;
    }

    public static NetlinkRequest addRule(Rule r) {
        return rule(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, "add rule " + r, r).build();
    }

    public static NetlinkRequest deleteRule(Rule r) {
        return rule(RTM_DELRULE, 0, "delete rule " + r, r).build();
    }

    public static NetlinkRequest dumpRules(AddressFamily family) {
        MessageBuilder b = new MessageBuilder(RTM_GETRULE, NLM_F_DUMP, "dump " + family + " rules");
        b.rawU8(family.number()).rawU8(0).rawU8(0).rawU8(0).rawU8(0).rawU8(0).rawU8(0).rawU8(0).rawU32(0);
        return b.build();
    }
}
