package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RouteType;
import io.kubedsr.netlink.route.Routing;
import io.kubedsr.netlink.route.Rule;

/**
 * What the kernel alone shows about ownership, for the tools that have no agent state ({@code kube-dsr status},
 * {@code --cleanup-config}): the VIPs made local through kube-dummy-if (local routes through it, and addresses on it
 * as kube-router leaves them), every other local address (NodePorts may be served on any of them), and the marks
 * kube-dsr's mark maps (DSR, short circuits) and DSR policy rules name.
 */
public record KernelEvidence(Set<InetAddress> dummyVips, Set<InetAddress> localAddresses,
        Map<AddressFamily, Set<Integer>> namedMarks) implements Ownership.Evidence {

    /** {@code mapMarks}: the elements of each of kube-dsr's mark maps ({@code Nftables#dsrMarks}, {@code #shortCircuitMarks}). */
    @SafeVarargs
    public static KernelEvidence read(Routing routing, Map<VirtualServerKey.ByAddress, Integer>... mapMarks) {
        int dummy = routing.link(SyncEngine.DUMMY_LINK).map(Link::index).orElse(-1);
        Set<InetAddress> vips = new HashSet<>();
        Set<InetAddress> local = new HashSet<>();
        for (Address a : routing.addresses(AddressFamily.UNSPEC)) {
            (a.linkIndex() == dummy ? vips : local).add(a.address());
        }
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Route r : routing.routes(f, Route.TABLE_LOCAL)) {
                if (dummy > 0 && r.outputLink() == dummy && r.type() == RouteType.LOCAL && r.destination().length() == f.maxPrefixLength()) {
                    vips.add(r.destination().address());
                }
            }
        }
        Map<AddressFamily, Set<Integer>> marks = new EnumMap<>(AddressFamily.class);
        for (Map<VirtualServerKey.ByAddress, Integer> map : mapMarks) {
            map.forEach((k, m) -> marks.computeIfAbsent(k.family(), f -> new HashSet<>()).add(m));
        }
        for (AddressFamily f : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            for (Rule r : routing.rules(f)) {
                if (Ownership.isDsrRule(r)) {
                    marks.computeIfAbsent(f, x -> new HashSet<>()).add((int) r.fwmark());
                }
            }
        }
        return new KernelEvidence(Set.copyOf(vips), Set.copyOf(local), Map.copyOf(marks));
    }

    @Override
    public boolean onDummyLink(InetAddress address) {
        return dummyVips.contains(address);
    }

    @Override
    public boolean nodePortAddress(InetAddress address) {
        return localAddresses.contains(address);
    }

    @Override
    public boolean markNamed(AddressFamily family, int mark) {
        return namedMarks.getOrDefault(family, Set.of()).contains(mark);
    }
}
