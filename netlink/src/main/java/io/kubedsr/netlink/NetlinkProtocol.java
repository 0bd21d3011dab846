package io.kubedsr.netlink;

/** Netlink protocol families this library speaks ({@code NETLINK_*} in linux/netlink.h). */
public enum NetlinkProtocol {
    /** NETLINK_ROUTE: links, addresses, routes, rules. */
    ROUTE(0),
    /** NETLINK_GENERIC: IPVS, fou and other generic netlink families. */
    GENERIC(16),
    /** NETLINK_NETFILTER: nfnetlink subsystems such as ctnetlink (conntrack). */
    NETFILTER(12);

    private final int number;

    NetlinkProtocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
