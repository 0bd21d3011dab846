package io.kubedsr.proxy.status;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.netlink.route.Rule;
import io.kubedsr.netlink.route.TunnelEncap;
import io.kubedsr.proxy.dsr.DsrRouting;
import io.kubedsr.proxy.kernel.KernelEvidence;
import io.kubedsr.proxy.kernel.Ownership;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.nft.NftRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.tunnel.DsrReceivers;
import io.kubedsr.tunnel.FouClient;
import io.kubedsr.tunnel.FouPort;
import io.kubedsr.tunnel.TunnelNames;

/**
 * Reads what kube-dsr runs in one network namespace into a {@link NodeStatus}: its IPVS virtual servers (the
 * ones {@link Ownership} says are kube-dsr's, the same rule the agent and --cleanup-config use), the DSR marks,
 * rules and table 78, the {@code tun-*} tunnels and GUE ports, and DSR receivers in every other namespace of
 * the machine. Read-only: writes nothing, loads no module.
 */
public final class StatusCollector {
    /** The agent's DSR rule priority and route table: {@code ip rule add prio 32764 fwmark M lookup 78}. */
    static final int DSR_RULE_PRIORITY = DsrRouting.RULE_PRIORITY;
    static final int DSR_TABLE = DsrRouting.TABLE;

    private final NetworkNamespace target;
    private final NamespaceScan scan;

    /** {@code target} null: the calling thread's namespace. Services are named afterwards by {@link ServiceNames}. */
    public StatusCollector(NetworkNamespace target, NamespaceScan scan) {
        this.target = target;
        this.scan = scan;
    }

    /** Reads everything; {@code notes} (from the caller, e.g. about the API server) are carried into the result. */
    public NodeStatus collect(List<String> notes) {
        List<String> allNotes = new ArrayList<>(notes);
        try (Rtnetlink rtnl = target == null ? Rtnetlink.open() : target.openRtnetlink();
                IpvsClient ipvs = openIpvs();
                NetlinkConnection generic = openGeneric()) {
            Map<Integer, Link> links = new HashMap<>();
            for (Link l : rtnl.links()) {
                links.put(l.index(), l);
            }
            List<Address> addresses = rtnl.addresses(AddressFamily.UNSPEC);
            String listing = readMarkListing(allNotes);
            DsrMarkMap.Contents marks = listing == null ? DsrMarkMap.Contents.ABSENT : DsrMarkMap.parse(listing);
            Map<VirtualServerKey.ByAddress, Integer> mapMarks = listing == null ? Map.of() : NftRules.marksOf(listing);
            List<NodeStatus.DsrRule> rules = new ArrayList<>();
            List<NodeStatus.DsrRoute> dsrRoutes = new ArrayList<>();
            List<Route> mainRoutes = new ArrayList<>();
            for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
                for (Rule r : rtnl.rules(f)) {
                    if (r.priority() == DSR_RULE_PRIORITY || r.table() == DSR_TABLE) {
                        rules.add(new NodeStatus.DsrRule(family(f), r.priority(), r.fwmark(), r.fwmask(), r.table()));
                    }
                }
                for (Route r : routesOf(rtnl, f, DSR_TABLE)) {
                    dsrRoutes.add(new NodeStatus.DsrRoute(family(f), r.type().name().toLowerCase(Locale.ROOT),
                            destination(r.destination()), linkName(links, r.outputLink())));
                }
                mainRoutes.addAll(routesOf(rtnl, f, Route.TABLE_MAIN));
            }
            Set<String> ruleMarks = new HashSet<>();
            for (NodeStatus.DsrRule r : rules) {
                if (r.table() == DSR_TABLE && r.fwmark() != 0) {
                    ruleMarks.add(r.family() + "/" + r.fwmark());
                }
            }
            Map<VirtualServerKey.ByAddress, Integer> shortMarks = readShortCircuitMarks(allNotes);
            List<NodeStatus.VirtualServer> servers = new ArrayList<>();
            int others = virtualServers(ipvs, rtnl, mapMarks, shortMarks, servers);
            Set<String> fwmarkServices = new HashSet<>();
            for (NodeStatus.VirtualServer vs : servers) {
                if (vs.fwmark() != null) {
                    fwmarkServices.add(vs.family() + "/" + vs.fwmark());
                }
            }
            List<NodeStatus.DsrMark> dsrMarks = new ArrayList<>();
            for (DsrMarkMap.Entry e : marks.entries()) {
                String key = e.family() + "/" + e.mark();
                dsrMarks.add(new NodeStatus.DsrMark(e.mark(), e.family(), e.address(), e.protocol(), e.port(),
                        ruleMarks.contains(key), fwmarkServices.contains(key), List.of()));
            }
            dsrMarks.sort(Comparator.comparing(NodeStatus.DsrMark::family).thenComparingLong(NodeStatus.DsrMark::mark));
            NodeStatus.Dsr dsr = new NodeStatus.Dsr(marks.present(), dsrMarks, rules, dsrRoutes);
            List<NodeStatus.FouPort> nodePorts = fouPorts(generic);
            return new NodeStatus(target == null ? "host" : target.path().toString(), servers, others, dsr, shortCircuits(shortMarks),
                    tunnels(links, mainRoutes, nodePorts), nodePorts, receivers(), allNotes);
        } catch (StatusException e) {
            throw e;
        } catch (NetlinkException e) {
            throw explain(e);
        }
    }

    private IpvsClient openIpvs() {
        NetlinkConnection c = openGeneric();
        try {
            return new IpvsClient(c);
        } catch (NetlinkException e) {
            c.close();
            if (e.isNotFound()) {
                throw new StatusException("IPVS not available in this kernel (no ip_vs module loaded: modprobe ip_vs)", e);
            }
            throw e;
        }
    }

    private NetlinkConnection openGeneric() {
        return target == null ? NetlinkConnection.open(NetlinkProtocol.GENERIC) : target.openConnection(NetlinkProtocol.GENERIC);
    }

    static StatusException explain(NetlinkException e) {
        if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
            return new StatusException("permission denied reading the kernel (" + e.operation()
                    + "): run kube-dsr status as root (it needs CAP_NET_ADMIN, and CAP_SYS_ADMIN to enter namespaces)", e);
        }
        return new StatusException("cannot read the kernel: " + e.getMessage(), e);
    }

    /** kube-dsr's DSR maps as nft lists them, or null (no table, or nft could not run: then a note says why). */
    private String readMarkListing(List<String> notes) {
        try {
            return new NftTable(target).dsrMapListing();
        } catch (IllegalStateException e) {
            notes.add("DSR marks not read: " + e.getMessage());
            return null;
        }
    }

    private Map<VirtualServerKey.ByAddress, Integer> readShortCircuitMarks(List<String> notes) {
        try {
            return new NftTable(target).shortCircuitMarks();
        } catch (IllegalStateException e) {
            notes.add("short-circuit marks not read: " + e.getMessage());
            return Map.of();
        }
    }

    /** The short-circuit map's elements, sorted by family, mark and address. */
    static List<NodeStatus.ShortCircuit> shortCircuits(Map<VirtualServerKey.ByAddress, Integer> marks) {
        List<NodeStatus.ShortCircuit> out = new ArrayList<>();
        marks.forEach((k, m) -> out.add(new NodeStatus.ShortCircuit(Integer.toUnsignedLong(m), family(k.family()),
                IpPrefix.format(k.address()), k.protocol().name().toLowerCase(Locale.ROOT), k.port(), List.of())));
        out.sort(Comparator.comparing(NodeStatus.ShortCircuit::family).thenComparingLong(NodeStatus.ShortCircuit::mark)
                .thenComparing(NodeStatus.ShortCircuit::address).thenComparingInt(NodeStatus.ShortCircuit::port));
        return out;
    }

    /**
     * Fills {@code out} with kube-dsr's virtual servers, as {@link Ownership} decides from the kernel alone; returns
     * how many others there are.
     */
    private int virtualServers(IpvsClient ipvs, Rtnetlink rtnl, Map<VirtualServerKey.ByAddress, Integer> mapMarks,
            Map<VirtualServerKey.ByAddress, Integer> shortMarks, List<NodeStatus.VirtualServer> out) {
        KernelEvidence evidence = KernelEvidence.read(rtnl, mapMarks, shortMarks);
        Ownership ownership = new Ownership(List.of());
        List<VirtualServerStatus> ours = new ArrayList<>();
        int others = 0;
        for (VirtualServerStatus vs : ipvs.virtualServers()) {
            if (ownership.owns(vs.server().key(), evidence)) {
                ours.add(vs);
            } else {
                others++;
            }
        }
        ours.sort(Comparator.comparing((VirtualServerStatus v) -> v.server().key(), StatusCollector::compareKeys));
        for (VirtualServerStatus vs : ours) {
            out.add(virtualServer(vs, ipvs.realServers(vs.server().key())));
        }
        return others;
    }

    private static NodeStatus.VirtualServer virtualServer(VirtualServerStatus vs, List<RealServerStatus> real) {
        VirtualServerKey key = vs.server().key();
        List<RealServerStatus> sorted = new ArrayList<>(real);
        sorted.sort(Comparator.comparing((RealServerStatus r) -> r.server().address(), StatusCollector::compareAddresses)
                .thenComparingInt(r -> r.server().port()));
        List<NodeStatus.RealServer> rs = new ArrayList<>();
        for (RealServerStatus r : sorted) {
            Forwarding f = r.server().forwarding();
            String method = f.toString().split(" ")[0];
            String tunnelType = null;
            Integer tunnelPort = null;
            if (f instanceof Forwarding.Tunnel t) {
                method = "tunnel";
                tunnelType = t.type().name().toLowerCase(Locale.ROOT);
                tunnelPort = t.port() == 0 ? null : t.port();
            }
            rs.add(new NodeStatus.RealServer(IpPrefix.format(r.server().address()), r.server().port(), method, tunnelType,
                    tunnelPort, r.server().weight(), r.activeConnections(), r.inactiveConnections()));
        }
        int persistence = vs.server().flags().contains(ServiceFlag.PERSISTENT) ? vs.server().timeoutSeconds() : 0;
        String scheduler = vs.server().scheduler().name().toLowerCase(Locale.ROOT);
        if (key instanceof VirtualServerKey.ByAddress a) {
            String protocol = a.protocol().name().toLowerCase(Locale.ROOT);
            return new NodeStatus.VirtualServer(family(a.family()), IpPrefix.format(a.address()), protocol, a.port(), null,
                    scheduler, persistence, List.of(), rs);
        }
        VirtualServerKey.ByFwmark m = (VirtualServerKey.ByFwmark) key;
        return new NodeStatus.VirtualServer(family(m.family()), null, null, null, Integer.toUnsignedLong(m.fwmark()),
                scheduler, persistence, List.of(), rs);
    }

    private static List<NodeStatus.Tunnel> tunnels(Map<Integer, Link> links, List<Route> mainRoutes, List<NodeStatus.FouPort> ports) {
        List<NodeStatus.Tunnel> out = new ArrayList<>();
        for (Link l : links.values()) {
            if (!TunnelNames.isOurs(l) || !(l.kind() instanceof LinkKind.IpTunnel t)) {
                continue;
            }
            List<String> routes = new ArrayList<>();
            for (Route r : mainRoutes) {
                // Leave out the fe80::/64 the kernel gives every link that is up.
                if (r.outputLink() == l.index() && !r.destination().address().isLinkLocalAddress()) {
                    routes.add(destination(r.destination()));
                }
            }
            routes.sort(null);
            TunnelEncap e = t.encap();
            String encap = e.type().name().toLowerCase(Locale.ROOT);
            out.add(new NodeStatus.Tunnel(l.name(), t.kind(), l.isUp(), format(t.local()), format(t.remote()), encap,
                    e.type() == TunnelEncap.Type.NONE ? null : e.destinationPort(), l.mtu(), routes, accepts(t.family(), ports)));
        }
        out.sort(Comparator.comparing(NodeStatus.Tunnel::name));
        return out;
    }

    /**
     * What a tunnel or receiver link of the family takes: IPIP always (the link decapsulates whatever it sends),
     * and GUE on every receive port of its family (FOU hands the inner packet to the link).
     */
    static List<String> accepts(AddressFamily family, List<NodeStatus.FouPort> ports) {
        List<String> out = new ArrayList<>(List.of("ipip"));
        for (NodeStatus.FouPort p : ports) {
            if (p.family().equals(family(family))) {
                out.add("gue:" + p.port());
            }
        }
        return out;
    }

    private static List<NodeStatus.FouPort> fouPorts(NetlinkConnection generic) {
        FouClient fou;
        try {
            fou = new FouClient(generic);
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return List.of(); // no fou module: no GUE ports
            }
            throw e;
        }
        List<NodeStatus.FouPort> out = new ArrayList<>();
        for (FouPort p : fou.ports()) {
            out.add(new NodeStatus.FouPort(family(p.family()), p.port()));
        }
        out.sort(Comparator.comparing(NodeStatus.FouPort::family).thenComparingInt(NodeStatus.FouPort::port));
        return out;
    }

    private List<NodeStatus.Receiver> receivers() {
        NamespaceId self = target == null ? NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net")) : target.id();
        List<NodeStatus.Receiver> out = new ArrayList<>();
        for (Path p : scan.distinct(Set.of(self))) {
            try (NetworkNamespace ns = scan.open(p)) {
                out.addAll(receiversIn(ns));
            } catch (RuntimeException e) {
                // the namespace went away while we looked (a pod deleted): nothing to show for it
            }
        }
        return out;
    }

    private static List<NodeStatus.Receiver> receiversIn(NetworkNamespace ns) {
        List<NodeStatus.Receiver> out = new ArrayList<>();
        try (Rtnetlink rtnl = ns.openRtnetlink()) {
            List<Link> found = new ArrayList<>();
            for (String name : List.of(DsrReceivers.LINK_V4, DsrReceivers.LINK_V6)) {
                rtnl.link(name).ifPresent(found::add);
            }
            if (found.isEmpty()) {
                return out;
            }
            List<NodeStatus.FouPort> ports;
            try (NetlinkConnection generic = ns.openConnection(NetlinkProtocol.GENERIC)) {
                ports = fouPorts(generic);
            }
            for (Link l : found) {
                String podIp = l.kind() instanceof LinkKind.IpTunnel t ? format(t.local()) : null;
                List<String> vips = new ArrayList<>();
                for (Address a : rtnl.addresses(l.index())) {
                    if (a.prefix().length() == a.family().maxPrefixLength() && !a.address().isLinkLocalAddress()) {
                        vips.add(IpPrefix.format(a.address()));
                    }
                }
                vips.sort(null);
                AddressFamily f = l.kind() instanceof LinkKind.IpTunnel t ? t.family() : AddressFamily.INET;
                out.add(new NodeStatus.Receiver(ns.path().toString(), l.name(), l.isUp(), podIp, vips, ports, accepts(f, ports)));
            }
        }
        return out;
    }

    /** A table's routes; a table nothing was ever put in does not exist, and the kernel says ENOENT. */
    private static List<Route> routesOf(Rtnetlink rtnl, AddressFamily family, int table) {
        try {
            return rtnl.routes(family, table);
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return List.of();
            }
            throw e;
        }
    }

    private static String linkName(Map<Integer, Link> links, int index) {
        if (index == 0) {
            return null;
        }
        Link l = links.get(index);
        return l == null ? "#" + index : l.name();
    }

    private static String destination(IpPrefix p) {
        return p.length() == 0 ? "default" : p.toString();
    }

    private static String format(InetAddress a) {
        return a == null ? null : IpPrefix.format(a);
    }

    static String family(AddressFamily f) {
        return f == AddressFamily.INET6 ? "ipv6" : "ipv4";
    }

    private static int compareKeys(VirtualServerKey x, VirtualServerKey y) {
        boolean xa = x instanceof VirtualServerKey.ByAddress;
        boolean ya = y instanceof VirtualServerKey.ByAddress;
        if (xa != ya) {
            return xa ? -1 : 1;
        }
        if (x instanceof VirtualServerKey.ByAddress a && y instanceof VirtualServerKey.ByAddress b) {
            int c = compareAddresses(a.address(), b.address());
            if (c != 0) {
                return c;
            }
            c = a.protocol().compareTo(b.protocol());
            return c != 0 ? c : Integer.compare(a.port(), b.port());
        }
        VirtualServerKey.ByFwmark a = (VirtualServerKey.ByFwmark) x;
        VirtualServerKey.ByFwmark b = (VirtualServerKey.ByFwmark) y;
        int c = a.family().compareTo(b.family());
        return c != 0 ? c : Integer.compareUnsigned(a.fwmark(), b.fwmark());
    }

    private static int compareAddresses(InetAddress x, InetAddress y) {
        byte[] a = x.getAddress();
        byte[] b = y.getAddress();
        if (a.length != b.length) {
            return Integer.compare(a.length, b.length);
        }
        return Arrays.compareUnsigned(a, b);
    }
}
