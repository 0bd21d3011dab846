package io.kubedsr.proxy.config;

/** An invalid command line: the message is the one line the agent prints before it stops. */
public final class FlagParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FlagParseException(String message) {
        super(message);
    }
}
