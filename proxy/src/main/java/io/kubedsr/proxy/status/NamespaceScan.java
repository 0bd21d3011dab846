package io.kubedsr.proxy.status;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.kubedsr.netlink.netns.NamespaceCandidates;
import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * Finds the network namespaces of this machine: the named ones ({@code /run/netns/*}, first) and those of
 * every process ({@code /proc/PID/ns/net}, by pid), one path per namespace (told apart by the nsfs inode of the
 * opened descriptor, so a namespace both named and used by processes appears once, under its name). Named
 * entries that are links, files that are no network namespace, and namespaces that vanish while scanning are
 * skipped (docs/security.md).
 */
public final class NamespaceScan {
    private final Path runNetns;
    private final Path proc;

    public NamespaceScan() {
        this(Path.of("/run/netns"), Path.of("/proc"));
    }

    NamespaceScan(Path runNetns, Path proc) {
        this.runNetns = runNetns;
        this.proc = proc;
    }

    /** One path per namespace, named ones first, leaving out the namespaces in {@code skip}. */
    public List<Path> distinct(Set<NamespaceId> skip) {
        Set<NamespaceId> seen = new HashSet<>(skip);
        List<Path> out = new ArrayList<>();
        for (NamespaceCandidates.Candidate c : NamespaceCandidates.list(List.of(runNetns), proc)) {
            try (NetworkNamespace ns = c.open()) {
                if (seen.add(ns.id())) {
                    out.add(c.path());
                }
            } catch (RuntimeException e) {
                // gone (the process exited), a link, or not a network namespace (a stale /run/netns entry): skip
            }
        }
        return out;
    }

    /** Opens a path {@link #distinct} returned; a named entry that has become a link since is refused. */
    public NetworkNamespace open(Path path) {
        return path.startsWith(runNetns) ? NetworkNamespace.openNoFollow(path) : NetworkNamespace.open(path);
    }
}
