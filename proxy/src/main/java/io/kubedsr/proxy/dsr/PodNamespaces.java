package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.netns.NamespaceCandidates;
import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.tunnel.DsrReceivers;

/**
 * Finds the network namespace of a pod by its IP without asking the container runtime: it scans the named
 * namespaces ({@code /run/netns}, where CNI plugins put them) and every process's {@code /proc/PID/ns/net}
 * (needs hostPID), tells namespaces apart by inode, and looks for the one whose interfaces hold the IP. One scan
 * indexes every pod IP it sees; a cached answer is checked (the namespace still holds the IP) before use, so a
 * pod recreated with the same IP is found again. Runs on the kernel thread.
 * <p>
 * A hostile pod can name files and run processes, so (docs/security.md): named entries that are links are never
 * followed; every namespace is identified by its opened descriptor, never by a path looked at twice, and must be a
 * network namespace; the node's own namespace is never a pod's; and an IP held by more than one namespace (a
 * process can make a namespace and give it any pod's IP) is ambiguous: the one named entry among them wins, and
 * with none or several the pod gets no receiver (logged), rather than one in a namespace the agent guessed.
 */
public final class PodNamespaces implements PodFinder {
    private static final Logger LOG = LoggerFactory.getLogger(PodNamespaces.class);

    private final List<Path> namedRoots;
    private final Path proc;
    private final NamespaceId own;
    private final Map<InetAddress, PodNamespace> cache = new HashMap<>();
    private final Map<InetAddress, Integer> ambiguous = new HashMap<>();

    /** A pod's namespace as found by a scan: where, its identity, and whether it is a named entry. */
    public record PodNamespace(NamespaceCandidates.Candidate candidate, NamespaceId id) {
        /** Opens it again; throws {@link IllegalArgumentException} when the path now leads to another namespace. */
        public NetworkNamespace open() {
            NetworkNamespace ns = candidate.open();
            if (!ns.id().equals(id)) {
                ns.close();
                throw new IllegalArgumentException(candidate.path() + " is no longer the namespace found (" + id + ")");
            }
            return ns;
        }

        public Path path() {
            return candidate.path();
        }
    }

    /** {@code own}: the node's namespace, never a pod's (a hostNetwork pod's IP is found there). */
    public PodNamespaces(List<Path> namedRoots, Path proc, NamespaceId own) {
        this.namedRoots = List.copyOf(namedRoots);
        this.proc = proc;
        this.own = own;
    }

    public static PodNamespaces standard(NamespaceId own) {
        return new PodNamespaces(List.of(Path.of("/run/netns"), Path.of("/var/run/netns")), Path.of("/proc"), own);
    }

    /** The namespace holding {@code podIp}, scanning when the cache cannot answer. */
    @Override
    public Optional<PodNamespace> find(InetAddress podIp) {
        PodNamespace cached = cache.get(podIp);
        if (cached != null && holds(cached, podIp)) {
            return Optional.of(cached);
        }
        cache.remove(podIp);
        scan();
        return Optional.ofNullable(cache.get(podIp));
    }

    /** How many pod IPs it indexes, and how many were ambiguous at the last scan. */
    @Override
    public void cacheSizes(Map<String, Integer> out) {
        out.put("pod_namespace_index", cache.size());
        out.put("pod_ips_ambiguous", ambiguous.size());
    }

    /** How many namespaces held the pod IP at the last scan, when more than one did and none could be chosen. */
    @Override
    public int holders(InetAddress podIp) {
        return ambiguous.getOrDefault(podIp, 0);
    }

    /** Forgets a pod IP (its pod is gone or changed). */
    @Override
    public void invalidate(InetAddress podIp) {
        cache.remove(podIp);
    }

    /** Every namespace found except the node's own, one each. */
    @Override
    public List<PodNamespace> allNamespaces() {
        List<PodNamespace> out = new ArrayList<>();
        for (Opened o : openEach(ns -> null)) {
            out.add(o.found);
        }
        return out;
    }

    /**
     * Re-indexes every pod IP of every namespace found; the index is replaced, so the IPs of pods that are gone leave
     * it (before, they stayed: the index grew with every pod ever seen on the node).
     */
    public void scan() {
        Map<InetAddress, List<PodNamespace>> holders = new LinkedHashMap<>();
        for (Opened o : openEach(PodNamespaces::addresses)) {
            for (InetAddress a : o.addresses) {
                holders.computeIfAbsent(a, k -> new ArrayList<>()).add(o.found);
            }
        }
        ambiguous.clear();
        cache.clear();
        for (Map.Entry<InetAddress, List<PodNamespace>> e : holders.entrySet()) {
            PodNamespace chosen = choose(e.getValue());
            if (chosen != null) {
                cache.put(e.getKey(), chosen);
            } else {
                ambiguous.put(e.getKey(), e.getValue().size());
                LOG.warn("pod IP {} is held by {} network namespaces ({}); none is used", IpPrefix.format(e.getKey()),
                        e.getValue().size(), e.getValue().stream().map(PodNamespace::path).toList());
            }
        }
    }

    /** The only holder; else the only named one among several; else none. */
    static PodNamespace choose(List<PodNamespace> holders) {
        if (holders.size() == 1) {
            return holders.get(0);
        }
        List<PodNamespace> named = holders.stream().filter(h -> h.candidate().named()).toList();
        return named.size() == 1 ? named.get(0) : null;
    }

    private record Opened(PodNamespace found, Set<InetAddress> addresses) {
    }

    /** Opens every candidate once (by descriptor), skips the node's own and repeats, and reads what is asked. */
    private List<Opened> openEach(java.util.function.Function<NetworkNamespace, Set<InetAddress>> read) {
        Set<NamespaceId> seen = new HashSet<>(Set.of(own));
        List<Opened> out = new ArrayList<>();
        for (NamespaceCandidates.Candidate c : NamespaceCandidates.list(namedRoots, proc)) {
            try (NetworkNamespace ns = c.open()) {
                if (seen.add(ns.id())) {
                    Set<InetAddress> addresses = read.apply(ns);
                    out.add(new Opened(new PodNamespace(c, ns.id()), addresses == null ? Set.of() : addresses));
                }
            } catch (RuntimeException e) {
                // a process that exited, a link or a file that is no network namespace: not a pod's
                LOG.debug("namespace candidate {} skipped: {}", c.path(), e.toString());
            }
        }
        return out;
    }

    /** Whether the namespace is still there, still the one found, and one of its interfaces holds {@code ip}. */
    static boolean holds(PodNamespace namespace, InetAddress ip) {
        try (NetworkNamespace ns = namespace.open()) {
            return holds(ns, ip);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Whether one of the open namespace's interfaces holds {@code ip}. */
    static boolean holds(NetworkNamespace ns, InetAddress ip) {
        try {
            return addresses(ns).contains(ip);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The namespace's pod IPs: its addresses but loopback, link-local and those of a DSR receiver link (the VIPs it
     * serves: every pod of a DSR Service holds them, so they would look like one IP held by many namespaces).
     */
    private static Set<InetAddress> addresses(NetworkNamespace ns) {
        Set<InetAddress> out = new HashSet<>();
        try (Rtnetlink rtnl = ns.openRtnetlink()) {
            Set<Integer> receivers = new HashSet<>();
            for (Link l : rtnl.links()) {
                if (l.name().equals(DsrReceivers.LINK_V4) || l.name().equals(DsrReceivers.LINK_V6)) {
                    receivers.add(l.index());
                }
            }
            for (Address a : rtnl.addresses(AddressFamily.UNSPEC)) {
                if (!a.address().isLoopbackAddress() && !a.address().isLinkLocalAddress() && !receivers.contains(a.linkIndex())) {
                    out.add(a.address());
                }
            }
        }
        return out;
    }
}
