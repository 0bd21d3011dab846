package io.kubedsr.tunnel;

import io.kubedsr.netlink.AddressFamily;

/** A GUE receive port of one address family in one network namespace (`ip fou add port P gue [-6]`). */
public record FouPort(AddressFamily family, int port) {
    public FouPort {
        if (family != AddressFamily.INET && family != AddressFamily.INET6) {
            throw new IllegalArgumentException("FOU port family must be INET or INET6");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("FOU port " + port + " outside 1..65535");
        }
    }

    @Override
    public String toString() {
        return "gue port " + port + (family == AddressFamily.INET6 ? " (IPv6)" : "");
    }
}
