package io.kubedsr.netlink.netns;

import java.nio.file.Path;

/**
 * A procfs {@code sys} directory that sysctls are read and written through: the process's own {@code /proc/sys},
 * or the host's mounted elsewhere. A container that is not privileged sees its own {@code /proc/sys} read-only
 * (the runtime mounts it so), while a writable mount of the host's {@code /proc/sys} works: the files under
 * {@code net/} belong to the network namespace of the thread that opens them, whichever procfs mount they are
 * opened through ({@link NetworkNamespace#writeSysctl(SysctlDirectory, String, String)} opens them on the
 * namespace's thread).
 */
public record SysctlDirectory(Path path) {
    /** The process's own {@code /proc/sys}. */
    public static final SysctlDirectory PROC = new SysctlDirectory(Path.of("/proc/sys"));

    public SysctlDirectory {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
    }

    /**
     * The file of {@code key}: the dotted form {@code net.ipv4.conf.all.rp_filter} or the path form
     * {@code net/ipv4/conf/eth0.100/rp_filter} (needed when a name holds a dot).
     */
    public Path file(String key) {
        String rel = key.contains("/") ? key : key.replace('.', '/');
        if (rel.startsWith("/") || rel.contains("..")) {
            throw new IllegalArgumentException("bad sysctl key " + key);
        }
        return path.resolve(rel);
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
