package io.kubedsr.netlink.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.kubedsr.netlink.LibC;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * A handle on a network namespace, opened from a path such as {@code /run/netns/NAME} or
 * {@code /proc/PID/ns/net}. Work inside it runs on a dedicated platform thread that enters the namespace with
 * {@code setns(fd, CLONE_NEWNET)}; no other thread of the process changes namespace. A netlink socket opened
 * there keeps talking to this namespace from any thread afterwards.
 */
public final class NetworkNamespace implements AutoCloseable {
    private final Path path;
    private final int fd;
    private final NamespaceId id;
    private volatile boolean closed;

    private NetworkNamespace(Path path, int fd, NamespaceId id) {
        this.path = path;
        this.fd = fd;
        this.id = id;
    }

    /**
     * Opens the network namespace at {@code path}, following links ({@code /proc/PID/ns/net} is one, and always
     * leads to that process's namespace). The identity is read from the opened descriptor, never from the path
     * again, and the descriptor must be a network namespace: anything else (a regular file, a namespace of
     * another type, a FIFO, which is opened without blocking) throws {@link IllegalArgumentException}.
     */
    public static NetworkNamespace open(Path path) {
        return open(path, false);
    }

    /**
     * As {@link #open(Path)}, but a path that is itself a symbolic link is refused: for entries of
     * {@code /run/netns}, which the container runtime makes as bind mounts, never as links. A link there could
     * lead anywhere, the node's own namespace included.
     */
    public static NetworkNamespace openNoFollow(Path path) {
        return open(path, true);
    }

    private static NetworkNamespace open(Path path, boolean noFollow) {
        int flags = LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NONBLOCK | (noFollow ? LibC.O_NOFOLLOW : 0);
        int fd = LibC.INSTANCE.open(path.toString(), flags);
        if (fd < 0) {
            throw new NetlinkException("open(" + path + ")", LibC.lastErrno(), null, -1);
        }
        try {
            // What was opened, by the descriptor: a later change of the path cannot change it.
            NamespaceId id = identify(Path.of("/proc/self/fd/" + fd));
            if (id.device() != NSFS_DEVICE) {
                throw new IllegalArgumentException("not a namespace file: " + path);
            }
            // Only asked of nsfs files: NS_GET_NSTYPE means nothing to other files' drivers.
            int type = LibC.INSTANCE.ioctl(fd, LibC.NS_GET_NSTYPE);
            if (type != LibC.CLONE_NEWNET) {
                throw new IllegalArgumentException("not a network namespace: " + path + " (type 0x" + Integer.toHexString(type) + ")");
            }
            return new NetworkNamespace(path, fd, id);
        } catch (RuntimeException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /** The device of the nsfs pseudo file system, which every namespace file lives on. */
    private static final long NSFS_DEVICE = identify(Path.of("/proc/self/ns/net")).device();

    /** A namespace made by {@code ip netns add NAME}. */
    public static NetworkNamespace named(String name) {
        return open(Path.of("/run/netns", name));
    }

    public static NetworkNamespace ofProcess(long pid) {
        return open(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }

    /** The namespace of the calling thread. */
    public static NetworkNamespace current() {
        return open(Path.of("/proc/thread-self/ns/net"));
    }

    /** The identity of the namespace a path refers to, without opening it. */
    public static NamespaceId identify(Path path) {
        try {
            Object ino = Files.getAttribute(path, "unix:ino");
            Object dev = Files.getAttribute(path, "unix:dev");
            return new NamespaceId(((Number) dev).longValue(), ((Number) ino).longValue());
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("not a namespace file: " + path + " (" + e.getMessage() + ")", e);
        }
    }

    public Path path() {
        return path;
    }

    public NamespaceId id() {
        return id;
    }

    /** The open file descriptor (for IFLA_NET_NS_FD). Valid until {@link #close()}. */
    public int fd() {
        return fd;
    }

    /** Runs a task on a fresh platform thread inside this namespace and returns its result. */
    public <T> T call(Callable<T> task) {
        if (closed) {
            throw new IllegalStateException("namespace handle closed: " + path);
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            LibC libc = LibC.INSTANCE;
            int home = libc.open("/proc/thread-self/ns/net", LibC.O_RDONLY | LibC.O_CLOEXEC);
            if (home < 0) {
                result.completeExceptionally(new NetlinkException("open(/proc/thread-self/ns/net)", LibC.lastErrno(), null, -1));
                return;
            }
            try {
                if (libc.setns(fd, LibC.CLONE_NEWNET) != 0) {
                    result.completeExceptionally(new NetlinkException("setns(" + path + ")", LibC.lastErrno(), null, -1));
                    return;
                }
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                } finally {
                    libc.setns(home, LibC.CLONE_NEWNET);
                }
            } finally {
                libc.close(home);
            }
        }, "netns-" + path.getFileName());
        thread.setDaemon(true);
        thread.start();
        try {
            return result.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("task in " + path + " failed", cause);
        }
    }

    public void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /** Opens a netlink connection inside this namespace; it can be used from any thread afterwards. */
    public NetlinkConnection openConnection(NetlinkProtocol protocol) {
        return call(() -> NetlinkConnection.open(protocol));
    }

    public Rtnetlink openRtnetlink() {
        return new Rtnetlink(openConnection(NetlinkProtocol.ROUTE));
    }

    /**
     * Writes a sysctl of this namespace through the process's {@code /proc/sys}: {@code net.ipv4.conf.all.rp_filter}
     * or the path form {@code net/ipv4/conf/eth0.100/rp_filter} (needed when a name holds a dot).
     */
    public void writeSysctl(String key, String value) {
        writeSysctl(SysctlDirectory.PROC, key, value);
    }

    /**
     * Writes a sysctl of this namespace through {@code dir}. /proc/sys/net shows the namespace of the thread that
     * opens it, so the write happens on the namespace thread.
     */
    public void writeSysctl(SysctlDirectory dir, String key, String value) {
        Path file = dir.file(key);
        run(() -> {
            try {
                Files.writeString(file, value, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                // The message names the file (FileSystemException), so the directory written through shows.
                throw new IllegalStateException("sysctl " + key + "=" + value + " in " + path + ": " + e.getMessage(), e);
            }
        });
    }

    public String readSysctl(String key) {
        return readSysctl(SysctlDirectory.PROC, key);
    }

    public String readSysctl(SysctlDirectory dir, String key) {
        Path file = dir.file(key);
        return call(() -> Files.readString(file, StandardCharsets.US_ASCII).trim());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }

    @Override
    public String toString() {
        return "NetworkNamespace{" + path + " " + id + "}";
    }
}
