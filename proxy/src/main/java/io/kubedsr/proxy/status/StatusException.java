package io.kubedsr.proxy.status;

/** kube-dsr status cannot read the kernel; the message is one line for the user (no stack trace). */
public final class StatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StatusException(String message, Throwable cause) {
        super(message, cause);
    }
}
