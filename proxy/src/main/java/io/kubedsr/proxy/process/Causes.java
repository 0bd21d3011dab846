package io.kubedsr.proxy.process;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a future's failure was about: the cause inside the wrappers futures add. */
public final class Causes {
    private Causes() {
    }

    public static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
