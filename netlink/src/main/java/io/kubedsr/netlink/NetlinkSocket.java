package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;

import jnr.ffi.byref.IntByReference;

/**
 * A raw netlink socket ({@code socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, protocol)}) bound to a kernel-assigned
 * port id. Sending and receiving take direct buffers. Not thread-safe: one owner at a time.
 * <p>
 * A socket stays in the network namespace it was created in, whichever thread later uses it.
 */
public final class NetlinkSocket implements AutoCloseable {
    private final LibC libc = LibC.INSTANCE;
    private final NetlinkProtocol protocol;
    private final int fd;
    private final int portId;
    private final boolean extendedAck;
    private final boolean strictCheck;
    private volatile boolean closed;

    private NetlinkSocket(NetlinkProtocol protocol, int fd, int portId, boolean extendedAck, boolean strictCheck) {
        this.protocol = protocol;
        this.fd = fd;
        this.portId = portId;
        this.extendedAck = extendedAck;
        this.strictCheck = strictCheck;
    }

    /** Opens and binds a socket in the calling thread's network namespace. */
    public static NetlinkSocket open(NetlinkProtocol protocol) {
        LibC libc = LibC.INSTANCE;
        int fd = libc.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol.number());
        if (fd < 0) {
            throw new NetlinkException("socket(AF_NETLINK, " + protocol + ")", LibC.lastErrno(), null, -1);
        }
        try {
            ByteBuffer sa = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
            sa.putShort(0, (short) LibC.AF_NETLINK); // nl_family; nl_pad, nl_pid (0: kernel assigns), nl_groups stay 0
            if (libc.bind(fd, sa, 12) < 0) {
                throw new NetlinkException("bind(netlink)", LibC.lastErrno(), null, -1);
            }
            ByteBuffer out = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
            IntByReference len = new IntByReference(12);
            if (libc.getsockname(fd, out, len) < 0) {
                throw new NetlinkException("getsockname(netlink)", LibC.lastErrno(), null, -1);
            }
            int portId = out.getInt(4);
            // Error replies echo only the request header, and carry the kernel's text message when it has one.
            setIntOption(libc, fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, 1);
            boolean ext = setIntOption(libc, fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, 1);
            // Makes the kernel reject malformed dump requests and honour dump filters (kernel >= 4.20).
            boolean strict = setIntOption(libc, fd, LibC.SOL_NETLINK, LibC.NETLINK_GET_STRICT_CHK, 1);
            NetlinkSocket socket = new NetlinkSocket(protocol, fd, portId, ext, strict);
            socket.setReceiveTimeout(Duration.ofSeconds(30));
            return socket;
        } catch (RuntimeException e) {
            libc.close(fd);
            throw e;
        }
    }

    private static boolean setIntOption(LibC libc, int fd, int level, int option, int value) {
        ByteBuffer v = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        v.putInt(0, value);
        return libc.setsockopt(fd, level, option, v, 4) == 0;
    }

    public NetlinkProtocol protocol() {
        return protocol;
    }

    /** The port id the kernel assigned at bind time (nl_pid). */
    public int portId() {
        return portId;
    }

    public boolean extendedAckEnabled() {
        return extendedAck;
    }

    public boolean strictCheckEnabled() {
        return strictCheck;
    }

    /** Sets SO_RCVTIMEO; a receive that waits longer fails with EAGAIN. */
    public void setReceiveTimeout(Duration timeout) {
        ByteBuffer tv = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        tv.putLong(0, timeout.toSeconds());
        tv.putLong(8, timeout.toNanosPart() / 1000);
        if (libc.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVTIMEO, tv, 16) < 0) {
            throw new NetlinkException("setsockopt(SO_RCVTIMEO)", LibC.lastErrno(), null, -1);
        }
    }

    /**
     * Sets the receive buffer; as root SO_RCVBUFFORCE passes net.core.rmem_max, otherwise SO_RCVBUF (capped by
     * the kernel). Large buffers let many pipelined ACKs queue up without ENOBUFS.
     */
    public void setReceiveBufferSize(int bytes) {
        if (!setIntOption(libc, fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, bytes)
                && !setIntOption(libc, fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, bytes)) {
            throw new NetlinkException("setsockopt(SO_RCVBUF)", LibC.lastErrno(), null, -1);
        }
    }

    public void setSendBufferSize(int bytes) {
        if (!setIntOption(libc, fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, bytes)
                && !setIntOption(libc, fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, bytes)) {
            throw new NetlinkException("setsockopt(SO_SNDBUF)", LibC.lastErrno(), null, -1);
        }
    }

    /** Sends {@code length} bytes from the start of a direct buffer as one datagram. */
    public void send(ByteBuffer buffer, int length) {
        ensureOpen();
        long n = libc.send(fd, buffer, length, 0);
        if (n < 0) {
            throw new NetlinkException("send(netlink)", LibC.lastErrno(), null, -1);
        }
        if (n != length) {
            throw new NetlinkException("send(netlink): short write " + n + " of " + length, Errno.EIO);
        }
    }

    /**
     * Receives one datagram into the start of a direct buffer and returns its length. A datagram larger than
     * the buffer is an error (MSG_TRUNC reports the real size), never silently cut.
     */
    public int receive(ByteBuffer buffer) {
        ensureOpen();
        long n = libc.recvfrom(fd, buffer, buffer.capacity(), LibC.MSG_TRUNC, null, null);
        if (n < 0) {
            int errno = LibC.lastErrno();
            String what = errno == Errno.EAGAIN.number() ? "recv(netlink): timed out" : "recv(netlink)";
            throw new NetlinkException(what, errno, null, -1);
        }
        if (n > buffer.capacity()) {
            throw new NetlinkException("recv(netlink): datagram of " + n + " bytes exceeds the " + buffer.capacity()
                    + "-byte buffer", Errno.EMSGSIZE);
        }
        return (int) n;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "NetlinkSocket{" + protocol + ", fd=" + fd + ", port=" + Integer.toUnsignedString(portId) + "}";
    }
}
