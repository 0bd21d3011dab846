package io.kubedsr.netlink;

/** Bytes that are not a well-formed netlink message or attribute (truncated, misaligned, oversized). */
public class NetlinkDecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NetlinkDecodeException(String message) {
        super(message);
    }
}
