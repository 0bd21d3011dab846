package io.kubedsr.netlink.route;

import io.kubedsr.netlink.NetlinkDecodeException;

/** Route types (RTN_* in linux/rtnetlink.h). */
public enum RouteType {
    UNSPEC(0), UNICAST(1), LOCAL(2), BROADCAST(3), ANYCAST(4), MULTICAST(5), BLACKHOLE(6), UNREACHABLE(7),
    PROHIBIT(8), THROW(9), NAT(10);

    private final int number;

    RouteType(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static RouteType of(int number) {
        for (RouteType t : values()) {
            if (t.number == number) {
                return t;
            }
        }
        throw new NetlinkDecodeException("unknown route type " + number);
    }
}
