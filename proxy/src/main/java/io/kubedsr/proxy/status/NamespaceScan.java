package io.kubedsr.proxy.status;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * Finds the network namespaces of this machine: the named ones ({@code /run/netns/*}, first) and those of
 * every process ({@code /proc/PID/ns/net}, by pid), one path per namespace (told apart by the nsfs inode, so
 * a namespace both named and used by processes appears once, under its name). Reads only file metadata;
 * opens nothing. Namespaces that vanish or cannot be read while scanning are skipped.
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
        for (Path p : candidates()) {
            try {
                if (seen.add(NetworkNamespace.identify(p))) {
                    out.add(p);
                }
            } catch (IllegalArgumentException e) {
                // gone (the process exited) or not a namespace file (a stale /run/netns entry): skip
            }
        }
        return out;
    }

    private List<Path> candidates() {
        List<Path> out = new ArrayList<>(new TreeSet<>(list(runNetns, "*")));
        TreeMap<Long, Path> byPid = new TreeMap<>();
        for (Path p : list(proc, "[0-9]*")) {
            String name = p.getFileName().toString();
            if (name.chars().allMatch(Character::isDigit)) {
                byPid.put(Long.parseLong(name), p.resolve("ns").resolve("net"));
            }
        }
        out.addAll(byPid.values());
        return out;
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            for (Path p : entries) {
                out.add(p);
            }
        } catch (IOException e) {
            // unreadable: nothing from there
        }
        return out;
    }
}
