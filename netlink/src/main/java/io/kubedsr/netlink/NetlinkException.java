package io.kubedsr.netlink;

/**
 * A kernel error: the errno of an {@code NLMSG_ERROR} reply or of a failed system call, with the extended
 * ACK message and attribute offset when the kernel sent them ({@code NLMSGERR_ATTR_MSG}, {@code NLMSGERR_ATTR_OFFS}).
 */
public class NetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errnoNumber;
    private final Errno errno;
    private final String kernelMessage;
    private final int attributeOffset;
    private final String operation;

    public NetlinkException(String operation, int errnoNumber, String kernelMessage, int attributeOffset) {
        super(describe(operation, errnoNumber, kernelMessage, attributeOffset));
        this.operation = operation;
        this.errnoNumber = Math.abs(errnoNumber);
        this.errno = Errno.of(errnoNumber);
        this.kernelMessage = kernelMessage;
        this.attributeOffset = attributeOffset;
    }

    public NetlinkException(String operation, Errno errno) {
        this(operation, errno.number(), null, -1);
    }

    private static String describe(String operation, int errnoNumber, String kernelMessage, int offset) {
        Errno e = Errno.of(errnoNumber);
        StringBuilder sb = new StringBuilder();
        sb.append(operation).append(": ").append(e == Errno.UNKNOWN ? "errno " + Math.abs(errnoNumber) : e.name());
        if (kernelMessage != null && !kernelMessage.isEmpty()) {
            sb.append(" (").append(kernelMessage).append(')');
        }
        if (offset >= 0) {
            sb.append(" [attribute at offset ").append(offset).append(']');
        }
        return sb.toString();
    }

    public Errno errno() {
        return errno;
    }

    /** The raw errno number, positive; useful when {@link #errno()} is {@link Errno#UNKNOWN}. */
    public int errnoNumber() {
        return errnoNumber;
    }

    /** The extended ACK message, or null when the kernel sent none. */
    public String kernelMessage() {
        return kernelMessage;
    }

    /** Offset of the offending attribute in the request, or -1. */
    public int attributeOffset() {
        return attributeOffset;
    }

    public String operation() {
        return operation;
    }

    /**
     * The object the request named does not exist: ENOENT (rules, generic netlink families), ENODEV (links),
     * ESRCH (routes) or EADDRNOTAVAIL (addresses).
     */
    public boolean isNotFound() {
        return errno == Errno.ENOENT || errno == Errno.ENODEV || errno == Errno.ESRCH || errno == Errno.EADDRNOTAVAIL;
    }

    /** EEXIST: the object the request would create exists. */
    public boolean alreadyExists() {
        return errno == Errno.EEXIST;
    }

    /** ENOBUFS: the socket's receive queue overflowed and replies were lost; the caller must resynchronise. */
    public boolean isOverrun() {
        return errno == Errno.ENOBUFS;
    }
}
