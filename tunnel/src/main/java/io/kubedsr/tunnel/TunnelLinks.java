package io.kubedsr.tunnel;

import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * Makes one tunnel link equal to its wanted kind and up, for node tunnels and DSR receivers alike: an equal
 * link is left alone; any difference means delete and create, since the kernel cannot change an ipip link's
 * endpoints or encapsulation in place.
 */
final class TunnelLinks {
    private TunnelLinks() {
    }

    record Ensured(Link link, TunnelOutcome outcome) {
    }

    /**
     * {@code beforeCreate} runs when a creation fails with EEXIST, e.g. to clear a clashing link of ours; the
     * creation is then tried once more. (Running it only then keeps a creation free of a dump of all links.)
     */
    static Ensured ensure(Rtnetlink rtnl, String name, LinkKind.IpTunnel wanted, WriteCounter writes, Runnable beforeCreate) {
        Link link = rtnl.link(name).orElse(null);
        TunnelOutcome outcome = TunnelOutcome.UNCHANGED;
        if (link == null || !link.kind().equals(wanted)) {
            outcome = link == null ? TunnelOutcome.CREATED : TunnelOutcome.RECREATED;
            if (link != null) {
                rtnl.deleteLink(link.index());
                writes.one();
            }
            try {
                link = rtnl.addLink(name, wanted);
            } catch (NetlinkException e) {
                if (!e.alreadyExists()) {
                    throw e;
                }
                // EEXIST for a free name: another link has these endpoints (the kernel allows one per pair).
                beforeCreate.run();
                link = rtnl.addLink(name, wanted);
            }
            writes.one();
        }
        if (!link.isUp()) {
            rtnl.setUp(link.index());
            writes.one();
            if (outcome == TunnelOutcome.UNCHANGED) {
                outcome = TunnelOutcome.UPDATED;
            }
        }
        return new Ensured(link, outcome);
    }
}
