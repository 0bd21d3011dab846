package io.kubedsr.proxy;

import java.io.IOException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;

/**
 * The informers' first lists, retried when the API server gave no answer (a timeout, a refused or reset
 * connection: fabric8 reports those with no HTTP status, code -1) and not when it answered with a refusal (403,
 * 404, ...). On a loaded or emulated node the first TLS handshake can outlast fabric8's 10 s request timeout;
 * that is worth another try, while a refusal is final: the agent exits with the API server's words and the
 * kubelet restarts it.
 */
public final class NoAnswer {
    /** Tries of an informer's first list: the first and this many minus one more. */
    public static final int ATTEMPTS = 5;

    private NoAnswer() {
    }

    /** Whether {@code failure} (or a cause of it) is a request that got no HTTP answer at all. */
    public static boolean in(Throwable failure) {
        boolean transport = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return false; // the API server answered
            }
            transport |= t instanceof KubernetesClientException || t instanceof IOException || t instanceof TimeoutException;
        }
        return transport;
    }

    /**
     * An informer's exception handler: fabric8's own rule once the informer has listed (retry, but not a watch
     * that ended for good), and before that, the first list retried up to {@code attempts} times while it gets no
     * answer; a refused list stops the informer, and the agent's start fails with it.
     */
    public static ExceptionHandler informerHandler(int attempts) {
        AtomicInteger failedLists = new AtomicInteger();
        return (started, t) -> started ? !(t instanceof WatcherException) : in(t) && failedLists.incrementAndGet() < attempts;
    }
}
