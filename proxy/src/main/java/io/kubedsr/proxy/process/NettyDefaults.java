package io.kubedsr.proxy.process;

/**
 * System properties the agent's JVM needs before Netty loads, unless given on the command line:
 * {@code io.netty.jfr.enabled=false}. Netty 4.2's adaptive allocator registers Flight Recorder events when it makes
 * its first chunk, and that initialises the whole of JFR's metadata (reflection over annotations) on the thread
 * that allocates first: an event loop, writing the first API request. 0.1 s natively, seconds in the emulated VM
 * (the stack of this issue: netty's connect, then {@code AnnotationType.<init>}); the agent records no JFR events.
 */
public final class NettyDefaults {
    static final String JFR = "io.netty.jfr.enabled";

    private NettyDefaults() {
    }

    /** Sets what is not set yet; call before anything touches Netty (Vert.x, the API client). */
    public static void apply() {
        if (System.getProperty(JFR) == null) {
            System.setProperty(JFR, "false");
        }
    }
}
