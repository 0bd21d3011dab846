package io.kubedsr.proxy.process;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process when the agent cannot go on: its start failed, or something it needs failed later. Logs the
 * cause with its stack, prints one line ({@code kube-dsr: fatal: <what>: <cause> <- <its cause> ...}) to stderr and exits with
 * status 1, so the kubelet restarts the pod. A dead main thread alone would not end the JVM: Vert.x's threads
 * would keep it alive, neither working nor exiting.
 */
public final class FatalExit {
    private static final Logger LOG = LoggerFactory.getLogger(FatalExit.class);
    public static final int STATUS = 1;
    /** The shutdown hooks (closing the agent) get this long; then the JVM halts. */
    static final Duration HALT_AFTER = Duration.ofSeconds(10);

    private final IntConsumer exit;
    private final PrintStream err;
    private final AtomicBoolean exiting = new AtomicBoolean();

    FatalExit(IntConsumer exit, PrintStream err) {
        this.exit = exit;
        this.err = err;
    }

    /**
     * The process's: {@code System.exit} on a thread of its own (the caller may be a thread the shutdown hooks wait
     * for), and a halt if the hooks have not finished after {@link #HALT_AFTER}.
     */
    public static FatalExit ofProcess() {
        return new FatalExit(status -> {
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(HALT_AFTER.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(status);
            }, "kube-dsr-halt");
            halt.setDaemon(true);
            halt.start();
            new Thread(() -> System.exit(status), "kube-dsr-exit").start();
        }, System.err);
    }

    /** Ends the process; only the first call counts. */
    public void exit(String what, Throwable cause) {
        if (!exiting.compareAndSet(false, true)) {
            return;
        }
        Throwable c = Causes.unwrap(cause);
        LOG.error("fatal: {}", what, c);
        err.println("kube-dsr: fatal: " + what + ": " + describe(c));
        err.flush();
        exit.accept(STATUS);
    }

    /**
     * The cause's message (its class when it has none), then each cause under it that says something new, as
     * {@code <- class: message}: a list that failed names the refused connection or the timeout beneath it.
     */
    static String describe(Throwable c) {
        StringBuilder sb = new StringBuilder(c.getMessage() != null ? c.getMessage() : c.getClass().getName());
        for (Throwable t = c.getCause(); t != null && t != c; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() == null || !sb.toString().contains(t.getMessage())) {
                sb.append(" <- ").append(t);
            }
        }
        return sb.toString();
    }
}
