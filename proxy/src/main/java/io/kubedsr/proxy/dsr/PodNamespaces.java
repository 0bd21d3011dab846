package io.kubedsr.proxy.dsr;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * Finds the network namespace of a pod by its IP without asking the container runtime: it scans the named
 * namespaces ({@code /run/netns}, where CNI plugins put them) and every process's {@code /proc/PID/ns/net}
 * (needs hostPID), tells namespaces apart by inode, and looks for the one whose interfaces hold the IP. One scan
 * indexes every pod IP it sees; a cached answer is checked (the namespace still holds the IP) before use, so a
 * pod recreated with the same IP is found again. Runs on the kernel thread.
 */
public final class PodNamespaces {
    private static final Logger LOG = LoggerFactory.getLogger(PodNamespaces.class);

    private final List<Path> namedRoots;
    private final Path proc;
    private final NamespaceId own;
    private final Map<InetAddress, Path> cache = new HashMap<>();

    /** {@code own}: the node's namespace, never a pod's (a hostNetwork pod's IP is found there). */
    public PodNamespaces(List<Path> namedRoots, Path proc, NamespaceId own) {
        this.namedRoots = List.copyOf(namedRoots);
        this.proc = proc;
        this.own = own;
    }

    public static PodNamespaces standard(NamespaceId own) {
        return new PodNamespaces(List.of(Path.of("/run/netns"), Path.of("/var/run/netns")), Path.of("/proc"), own);
    }

    /** The path of the namespace holding {@code podIp}, scanning when the cache cannot answer. */
    public Optional<Path> find(InetAddress podIp) {
        Path cached = cache.get(podIp);
        if (cached != null && holds(cached, podIp)) {
            return Optional.of(cached);
        }
        cache.remove(podIp);
        scan();
        return Optional.ofNullable(cache.get(podIp));
    }

    /** Forgets a pod IP (its pod is gone or changed). */
    public void invalidate(InetAddress podIp) {
        cache.remove(podIp);
    }

    /** Every namespace found except the node's own, one path each. */
    public List<Path> allNamespaces() {
        return List.copyOf(distinct().values());
    }

    /** Re-indexes every pod IP of every namespace found. */
    public void scan() {
        for (Path p : distinct().values()) {
            try {
                for (InetAddress a : addresses(p)) {
                    cache.put(a, p);
                }
            } catch (RuntimeException e) {
                LOG.debug("namespace {} unreadable: {}", p, e.toString());
            }
        }
    }

    private Map<NamespaceId, Path> distinct() {
        Map<NamespaceId, Path> namespaces = new HashMap<>();
        for (Path p : candidates()) {
            try {
                NamespaceId id = NetworkNamespace.identify(p);
                if (!id.equals(own)) {
                    namespaces.putIfAbsent(id, p);
                }
            } catch (IllegalArgumentException e) {
                // a process that exited between listing and stat, or a file that is no namespace
            }
        }
        return namespaces;
    }

    private List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        for (Path root : namedRoots) {
            list(root, out, null);
        }
        List<Path> pids = new ArrayList<>();
        list(proc, pids, "[0-9]*");
        for (Path pid : pids) {
            out.add(pid.resolve("ns").resolve("net"));
        }
        return out;
    }

    private static void list(Path dir, List<Path> out, String glob) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = glob == null ? Files.newDirectoryStream(dir) : Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            LOG.debug("cannot list {}: {}", dir, e.toString());
        }
    }

    /** Whether the namespace at {@code namespace} exists and one of its interfaces holds {@code ip}. */
    static boolean holds(Path namespace, InetAddress ip) {
        try {
            return addresses(namespace).contains(ip);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Set<InetAddress> addresses(Path namespace) {
        Set<InetAddress> out = new HashSet<>();
        try (NetworkNamespace ns = NetworkNamespace.open(namespace); Rtnetlink rtnl = ns.openRtnetlink()) {
            for (Address a : rtnl.addresses(AddressFamily.UNSPEC)) {
                if (!a.address().isLoopbackAddress() && !a.address().isLinkLocalAddress()) {
                    out.add(a.address());
                }
            }
        }
        return out;
    }
}
