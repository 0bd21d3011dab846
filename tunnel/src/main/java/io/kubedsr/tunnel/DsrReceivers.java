package io.kubedsr.tunnel;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.RouteScope;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.netlink.route.TunnelEncap;

/**
 * DSR receivers inside pod network namespaces. A receiver is an ipip link {@value #LINK_V4} (ip6tnl
 * {@value #LINK_V6} for IPv6) with {@code local <podIP>} and no remote, up, holding each DSR VIP as /32
 * (/128); reverse-path filtering off (IPv4) on all, on the pod's own interface and on the link; and GUE receive
 * ports (FOU) in the pod namespace: FOU strips the UDP and GUE headers, the ipip link decapsulates. A receiver
 * takes IPIP always and GUE on each of its ports, whatever its Services send, so a director may switch a
 * Service's encapsulation at any moment without a packet lost.
 * All work happens on sockets opened inside the pod namespace; the agent's namespace is never changed.
 */
public final class DsrReceivers {
    public static final String LINK_V4 = "kube-tunnel-if";
    public static final String LINK_V6 = "kube-tunnel-v6";

    private final WriteCounter writes = new WriteCounter();
    private final SysctlDirectory sysctls;

    /** Receivers whose sysctls are written through the process's {@code /proc/sys}. */
    public DsrReceivers() {
        this(SysctlDirectory.PROC);
    }

    /** Receivers whose sysctls ({@code rp_filter}) are read and written through {@code sysctls}. */
    public DsrReceivers(SysctlDirectory sysctls) {
        this.sysctls = sysctls;
    }

    public WriteCounter writes() {
        return writes;
    }

    public static String linkName(AddressFamily family) {
        return family == AddressFamily.INET ? LINK_V4 : LINK_V6;
    }

    /**
     * Makes the pod's receiver hold exactly {@code vips} (of the pod IP's family) and take GUE on exactly
     * {@code guePorts} (besides IPIP, which it always takes); new ports are opened before old ones close.
     */
    public TunnelOutcome ensure(NetworkNamespace pod, InetAddress podIp, Set<InetAddress> vips, Set<Integer> guePorts) {
        AddressFamily family = AddressFamily.of(podIp);
        for (InetAddress vip : vips) {
            if (AddressFamily.of(vip) != family) {
                throw new IllegalArgumentException("VIP " + IpPrefix.format(vip) + " is not of the pod IP's family");
            }
        }
        try (Rtnetlink rtnl = pod.openRtnetlink()) {
            long before = writes.total();
            String name = linkName(family);
            LinkKind.IpTunnel wanted = new LinkKind.IpTunnel(family, podIp, null, family == AddressFamily.INET ? 0 : 64,
                    false, TunnelEncap.NONE);
            TunnelLinks.Ensured ensured = TunnelLinks.ensure(rtnl, name, wanted, writes, () -> { });
            Link link = ensured.link();
            TunnelOutcome outcome = ensured.outcome();
            syncVips(rtnl, link.index(), family, vips);
            if (family == AddressFamily.INET) {
                String podInterface = interfaceHolding(rtnl, podIp);
                for (String dev : new String[] {"all", podInterface, name}) {
                    setSysctlIfDifferent(pod, "net/ipv4/conf/" + dev + "/rp_filter", "0");
                }
            }
            syncFouPorts(pod, family, guePorts);
            if (outcome == TunnelOutcome.UNCHANGED && writes.total() != before) {
                outcome = TunnelOutcome.UPDATED;
            }
            return outcome;
        }
    }

    /** Removes one VIP from the pod's receiver; the receiver itself goes when no VIP is left. */
    public void removeVip(NetworkNamespace pod, InetAddress podIp, InetAddress vip) {
        AddressFamily family = AddressFamily.of(podIp);
        try (Rtnetlink rtnl = pod.openRtnetlink()) {
            Link link = rtnl.link(linkName(family)).orElse(null);
            if (link == null) {
                return;
            }
            Set<InetAddress> left = new HashSet<>(vipsOn(rtnl, link.index(), family));
            if (left.remove(vip)) {
                rtnl.deleteAddress(hostAddress(link.index(), vip));
                writes.one();
            }
            if (left.isEmpty()) {
                removeLinkAndPort(pod, rtnl, link, family);
            }
        }
    }

    /** Removes the pod's receiver of the family: link, VIPs and FOU ports. */
    public void remove(NetworkNamespace pod, AddressFamily family) {
        try (Rtnetlink rtnl = pod.openRtnetlink()) {
            Link link = rtnl.link(linkName(family)).orElse(null);
            removeLinkAndPort(pod, rtnl, link, family);
        }
    }

    /** The VIPs a pod's receiver holds now (empty when it has none). */
    public Set<InetAddress> vips(NetworkNamespace pod, AddressFamily family) {
        try (Rtnetlink rtnl = pod.openRtnetlink()) {
            Link link = rtnl.link(linkName(family)).orElse(null);
            return link == null ? Set.of() : vipsOn(rtnl, link.index(), family);
        }
    }

    /**
     * The GUE ports the pod's receiver of the family takes now (an empty set: IPIP only), or empty when the pod
     * has no receiver of the family.
     */
    public Optional<Set<Integer>> guePorts(NetworkNamespace pod, AddressFamily family) {
        try (Rtnetlink rtnl = pod.openRtnetlink()) {
            if (rtnl.link(linkName(family)).isEmpty()) {
                return Optional.empty();
            }
        }
        Set<Integer> out = new TreeSet<>();
        try (NetlinkConnection generic = pod.openConnection(NetlinkProtocol.GENERIC)) {
            for (FouPort p : new FouClient(generic).ports()) {
                if (p.family() == family) {
                    out.add(p.port());
                }
            }
        } catch (NetlinkException e) {
            if (!e.isNotFound()) {
                throw e;
            } // not found: no fou module, so no port
        }
        return Optional.of(out);
    }

    private void removeLinkAndPort(NetworkNamespace pod, Rtnetlink rtnl, Link link, AddressFamily family) {
        if (link != null) {
            rtnl.deleteLink(link.index());
            writes.one();
        }
        syncFouPorts(pod, family, Set.of());
    }

    private void syncVips(Rtnetlink rtnl, int linkIndex, AddressFamily family, Set<InetAddress> vips) {
        Set<InetAddress> present = vipsOn(rtnl, linkIndex, family);
        for (InetAddress vip : vips) {
            if (!present.contains(vip)) {
                rtnl.addAddress(hostAddress(linkIndex, vip));
                writes.one();
            }
        }
        for (InetAddress old : present) {
            if (!vips.contains(old)) {
                rtnl.deleteAddress(hostAddress(linkIndex, old));
                writes.one();
            }
        }
    }

    private static Set<InetAddress> vipsOn(Rtnetlink rtnl, int linkIndex, AddressFamily family) {
        Set<InetAddress> out = new HashSet<>();
        for (Address a : rtnl.addresses(family)) {
            if (a.linkIndex() == linkIndex && a.prefix().length() == family.maxPrefixLength()
                    && !a.address().isLinkLocalAddress()) {
                out.add(a.address());
            }
        }
        return out;
    }

    private static Address hostAddress(int linkIndex, InetAddress vip) {
        // IPv6: no duplicate address detection, or the VIP stays "tentative" and unusable for a while.
        boolean v6 = AddressFamily.of(vip) == AddressFamily.INET6;
        return new Address(linkIndex, IpPrefix.host(vip), RouteScope.UNIVERSE, v6);
    }

    /** The pod's interface holding its IP, found rather than assumed to be eth0. */
    private static String interfaceHolding(Rtnetlink rtnl, InetAddress podIp) {
        for (Address a : rtnl.addresses(AddressFamily.of(podIp))) {
            if (a.address().equals(podIp)) {
                return rtnl.link(a.linkIndex()).map(Link::name)
                        .orElseThrow(() -> new IllegalStateException("link #" + a.linkIndex() + " vanished"));
            }
        }
        throw new IllegalStateException("no interface holds pod IP " + IpPrefix.format(podIp) + " in this namespace");
    }

    private void setSysctlIfDifferent(NetworkNamespace pod, String key, String value) {
        if (!value.equals(pod.readSysctl(sysctls, key))) {
            pod.writeSysctl(sysctls, key, value);
            writes.one();
        }
    }

    /** Opens the wanted ports of the family first, then closes the others: the receiver never takes less meanwhile. */
    private void syncFouPorts(NetworkNamespace pod, AddressFamily family, Set<Integer> wanted) {
        try (NetlinkConnection generic = pod.openConnection(NetlinkProtocol.GENERIC)) {
            FouClient fou;
            try {
                fou = new FouClient(generic);
            } catch (NetlinkException e) {
                if (e.isNotFound() && wanted.isEmpty()) {
                    return; // no fou module: there can be no port to remove
                }
                throw e;
            }
            List<FouPort> open = fou.ports();
            for (int port : new TreeSet<>(wanted)) {
                FouPort p = new FouPort(family, port);
                if (!open.contains(p) && fou.add(p)) {
                    writes.one();
                }
            }
            for (FouPort p : open) {
                if (p.family() == family && !wanted.contains(p.port()) && fou.delete(p)) {
                    writes.one();
                }
            }
        }
    }
}
