package io.kubedsr.ipvs;

import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkException;

/**
 * A kernel error from IPVS, classified so callers never read messages: IPVS answers ESRCH for a missing
 * virtual server, ENOENT for a missing real server (or, on service commands, an unknown scheduler), EEXIST
 * for an existing one.
 */
public final class IpvsException extends NetlinkException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as the errno and the command tell. */
    public enum Reason {
        VIRTUAL_SERVER_NOT_FOUND, REAL_SERVER_NOT_FOUND, ALREADY_EXISTS, SCHEDULER_NOT_FOUND, OTHER
    }

    private final Reason reason;

    IpvsException(NetlinkException cause, boolean realServerCommand) {
        super(cause.operation(), cause.errnoNumber(), cause.kernelMessage(), cause.attributeOffset());
        initCause(cause);
        this.reason = classify(cause.errno(), realServerCommand);
    }

    static Reason classify(Errno errno, boolean realServerCommand) {
        return switch (errno) {
            case ESRCH -> Reason.VIRTUAL_SERVER_NOT_FOUND;
            case EEXIST -> Reason.ALREADY_EXISTS;
            case ENOENT -> realServerCommand ? Reason.REAL_SERVER_NOT_FOUND : Reason.SCHEDULER_NOT_FOUND;
            default -> Reason.OTHER;
        };
    }

    public Reason reason() {
        return reason;
    }

    public boolean isVirtualServerNotFound() {
        return reason == Reason.VIRTUAL_SERVER_NOT_FOUND;
    }

    public boolean isRealServerNotFound() {
        return reason == Reason.REAL_SERVER_NOT_FOUND;
    }

    public boolean isSchedulerNotFound() {
        return reason == Reason.SCHEDULER_NOT_FOUND;
    }
}
