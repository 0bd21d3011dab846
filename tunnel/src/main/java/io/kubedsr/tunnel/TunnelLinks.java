package io.kubedsr.tunnel;

import java.util.Objects;
import java.util.function.Supplier;

import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * Makes one tunnel link equal to its wanted kind and up, for node tunnels and DSR receivers alike: an equal
 * link is left alone; a link that differs in what the kernel changes in place (encapsulation, GUE port, local
 * address, TTL) is changed in place, keeping its index and routes, so traffic through it never stops; only a
 * link of another kind, family, remote end or mode is deleted and created again.
 */
final class TunnelLinks {
    private TunnelLinks() {
    }

    record Ensured(Link link, TunnelOutcome outcome) {
    }

    /**
     * {@code beforeCreate} runs when a creation or change fails with EEXIST, e.g. to clear a clashing link of
     * ours; the write is then tried once more. (Running it only then keeps a write free of a dump of all links.)
     */
    static Ensured ensure(Rtnetlink rtnl, String name, LinkKind.IpTunnel wanted, WriteCounter writes, Runnable beforeCreate) {
        Link link = rtnl.link(name).orElse(null);
        TunnelOutcome outcome = TunnelOutcome.UNCHANGED;
        if (link != null && !link.kind().equals(wanted) && link.kind() instanceof LinkKind.IpTunnel have
                && changesInPlace(have, wanted)) {
            int mtu = mtuAfter(link, have, wanted);
            Link before = link;
            link = retryOnceIfExists(() -> rtnl.changeTunnel(before.index(), wanted, mtu), beforeCreate);
            writes.one();
            outcome = TunnelOutcome.CONVERTED;
        } else if (link == null || !link.kind().equals(wanted)) {
            outcome = link == null ? TunnelOutcome.CREATED : TunnelOutcome.RECREATED;
            if (link != null) {
                rtnl.deleteLink(link.index());
                writes.one();
            }
            // EEXIST for a free name: another link has these endpoints (the kernel allows one per pair).
            link = retryOnceIfExists(() -> rtnl.addLink(name, wanted), beforeCreate);
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

    /**
     * Whether the kernel's changelink turns {@code have} into {@code wanted}: ipip_changelink and
     * ip6_tnl_changelink take new endpoints, TTL and IFLA_IPTUN_ENCAP_* on a live link; they refuse to turn a
     * point-to-point link into one without a remote or back (EINVAL) and any change of collect-metadata mode.
     * The remote end stays the same here anyway: it names the link.
     */
    static boolean changesInPlace(LinkKind.IpTunnel have, LinkKind.IpTunnel wanted) {
        return have.family() == wanted.family() && Objects.equals(have.remote(), wanted.remote())
                && have.collectMetadata() == wanted.collectMetadata() && !wanted.collectMetadata();
    }

    /**
     * The MTU the link gets with its new encapsulation: its MTU now, less the bytes the new encapsulation adds
     * over the old one (GUE 12 more than none). A link created with the new encapsulation gets the same from the
     * kernel; a changed one keeps its old MTU, so an ipip link switched to GUE would be 12 bytes too large.
     * 0 when the encapsulation's size does not change (the MTU is not touched).
     */
    static int mtuAfter(Link link, LinkKind.IpTunnel have, LinkKind.IpTunnel wanted) {
        int delta = wanted.encap().headerBytes() - have.encap().headerBytes();
        return delta == 0 || link.mtu() <= 0 ? 0 : link.mtu() - delta;
    }

    private static Link retryOnceIfExists(Supplier<Link> write, Runnable beforeRetry) {
        try {
            return write.get();
        } catch (NetlinkException e) {
            if (!e.alreadyExists()) {
                throw e;
            }
            beforeRetry.run();
            return write.get();
        }
    }
}
