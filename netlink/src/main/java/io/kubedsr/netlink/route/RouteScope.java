package io.kubedsr.netlink.route;

import io.kubedsr.netlink.NetlinkDecodeException;

/** Route and address scopes (enum rt_scope_t). */
public enum RouteScope {
    /** RT_SCOPE_UNIVERSE. */
    UNIVERSE(0),
    /** RT_SCOPE_SITE. */
    SITE(200),
    /** RT_SCOPE_LINK. */
    LINK(253),
    /** RT_SCOPE_HOST. */
    HOST(254),
    /** RT_SCOPE_NOWHERE. */
    NOWHERE(255);

    private final int number;

    RouteScope(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static RouteScope of(int number) {
        for (RouteScope s : values()) {
            if (s.number == number) {
                return s;
            }
        }
        throw new NetlinkDecodeException("unknown scope " + number);
    }
}
