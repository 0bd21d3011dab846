package io.kubedsr.netlink.netns;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The namespace files of a machine a node agent may look at: entries of the named roots ({@code /run/netns},
 * where CNI plugins bind-mount pod namespaces) and every process's {@code /proc/PID/ns/net}. A named entry
 * must be a regular file, never a symbolic link (it could point anywhere, the node's own namespace included);
 * a process's entry is a kernel link that can only lead to that process's namespace. Listing opens nothing;
 * {@link Candidate#open()} opens safely ({@link NetworkNamespace#openNoFollow} for named entries).
 */
public final class NamespaceCandidates {
    private NamespaceCandidates() {
    }

    /** A namespace file and whether it is a named entry (not a process's). */
    public record Candidate(Path path, boolean named) {
        /** Opens it: the descriptor is checked to be a network namespace; a named entry that became a link is refused. */
        public NetworkNamespace open() {
            return named ? NetworkNamespace.openNoFollow(path) : NetworkNamespace.open(path);
        }
    }

    /** Named entries first (sorted by name, links and anything but regular files left out), then processes by pid. */
    public static List<Candidate> list(List<Path> namedRoots, Path proc) {
        List<Candidate> out = new ArrayList<>();
        for (Path root : namedRoots) {
            for (Path p : new TreeSet<>(entries(root))) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new Candidate(p, true));
                }
            }
        }
        TreeMap<Long, Path> byPid = new TreeMap<>();
        for (Path p : entries(proc)) {
            String name = p.getFileName().toString();
            if (!name.isEmpty() && name.length() < 19 && name.chars().allMatch(Character::isDigit)) {
                byPid.put(Long.parseLong(name), p.resolve("ns").resolve("net"));
            }
        }
        for (Path p : byPid.values()) {
            out.add(new Candidate(p, false));
        }
        return out;
    }

    private static List<Path> entries(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            // unreadable: nothing from there
        }
        return out;
    }
}
