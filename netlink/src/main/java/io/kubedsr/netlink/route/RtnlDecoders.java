package io.kubedsr.netlink.route;

import static io.kubedsr.netlink.route.RtnlConstants.*;

import io.kubedsr.netlink.NetlinkMessage;

/** Decodes any rtnetlink object message by its type; for logs, tools and fuzzing. */
public final class RtnlDecoders {
    private RtnlDecoders() {
    }

    /** A {@link Link}, {@link Address}, {@link Route} or {@link Rule}, or the raw message for other types. */
    public static Object decodeAny(NetlinkMessage m) {
        return switch (m.type()) {
            case RTM_NEWLINK, RTM_DELLINK -> Link.decode(m);
            case RTM_NEWADDR, RTM_DELADDR -> Address.decode(m);
            case RTM_NEWROUTE, RTM_DELROUTE -> Route.decode(m);
            case RTM_NEWRULE, RTM_DELRULE -> Rule.decode(m);
            default -> m;
        };
    }
}
