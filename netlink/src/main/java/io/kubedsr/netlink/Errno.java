package io.kubedsr.netlink;

/** Linux errno values the kernel returns over netlink (numbers from asm-generic/errno*.h, x86_64). */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12),
    EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22),
    ENFILE(23), EMFILE(24), ENOSPC(28), ERANGE(34), EDEADLK(35), ENAMETOOLONG(36), ENOSYS(38), ENOTEMPTY(39),
    ELOOP(40), ENOMSG(42), ENODATA(61), ENOLINK(67), EPROTO(71), EBADMSG(74), EOVERFLOW(75), ENOTSOCK(88),
    EMSGSIZE(90), EPROTOTYPE(91), ENOPROTOOPT(92), EPROTONOSUPPORT(93), EOPNOTSUPP(95), EAFNOSUPPORT(97),
    EADDRINUSE(98), EADDRNOTAVAIL(99), ENETDOWN(100), ENETUNREACH(101), ENOBUFS(105), ETIMEDOUT(110),
    ECONNREFUSED(111), EHOSTUNREACH(113), EALREADY(114), EINPROGRESS(115),
    /** Any number this enum does not name; the exception keeps the raw number. */
    UNKNOWN(-1);

    private static final Errno[] BY_NUMBER = new Errno[128];

    static {
        for (Errno e : values()) {
            if (e.number > 0) {
                BY_NUMBER[e.number] = e;
            }
        }
    }

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The errno for a positive or negative (kernel style) number. */
    public static Errno of(int number) {
        // Math.abs(Integer.MIN_VALUE) is still negative: a hostile error message could carry it (found by fuzzing).
        int n = Math.abs(number);
        if (n >= 0 && n < BY_NUMBER.length && BY_NUMBER[n] != null) {
            return BY_NUMBER[n];
        }
        return UNKNOWN;
    }
}
