package io.kubedsr.netlink;

import java.nio.ByteBuffer;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls netlink needs, bound through jnr-ffi. Buffers passed here are direct. */
public interface LibC {
    /** The process-wide binding; loading libc is idempotent and the handle is immutable. */
    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    int AF_NETLINK = 16;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;
    int SO_RCVTIMEO = 20;
    int SO_SNDBUFFORCE = 32;
    int SO_RCVBUFFORCE = 33;
    int SOL_NETLINK = 270;
    int NETLINK_CAP_ACK = 10;
    int NETLINK_EXT_ACK = 11;
    int NETLINK_GET_STRICT_CHK = 12;
    int MSG_TRUNC = 0x20;
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    /** asm-generic/fcntl.h: 00004000. */
    int O_NONBLOCK = 0x800;
    /** asm-generic/fcntl.h: 00400000. */
    int O_NOFOLLOW = 0x20000;
    /** linux/nsfs.h: _IO(NSIO 0xb7, 0x3); answers the CLONE_NEW* type of a namespace file descriptor. */
    long NS_GET_NSTYPE = 0xb703;
    int CLONE_NEWNET = 0x40000000;

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In ByteBuffer address, int addressLength);

    @SaveError
    int getsockname(int fd, @Out ByteBuffer address, IntByReference addressLength);

    @SaveError
    int setsockopt(int fd, int level, int option, @In ByteBuffer value, int valueLength);

    @SaveError
    @ssize_t
    long send(int fd, @In ByteBuffer buffer, @size_t long length, int flags);

    @SaveError
    @ssize_t
    long recvfrom(int fd, @Out ByteBuffer buffer, @size_t long length, int flags, Pointer address, Pointer addressLength);

    @SaveError
    int close(int fd);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int namespaceType);

    @SaveError
    int ioctl(int fd, long request);

    @SaveError
    int unshare(int flags);

    /** errno of the last call on this thread that is annotated {@link SaveError}. */
    static int lastErrno() {
        return jnr.ffi.Runtime.getRuntime(INSTANCE).getLastError();
    }
}
