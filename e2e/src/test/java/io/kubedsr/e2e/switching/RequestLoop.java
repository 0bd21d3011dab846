package io.kubedsr.e2e.switching;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.kubedsr.netlink.TestNamespace;

/** A client asking a URL over and over (curl, a new connection each time) on a thread of its own, counting answers. */
final class RequestLoop {
    record Result(String what, long ok, List<String> failures) {
        @Override
        public String toString() {
            return what + ": " + ok + " requests answered, " + failures.size() + " failed";
        }
    }

    private final String what;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong ok = new AtomicLong();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;

    private RequestLoop(String what, TestNamespace client, String url) {
        this.what = what;
        this.thread = new Thread(() -> {
            while (running.get()) {
                try {
                    client.exec("curl", "-sS", "--max-time", "5", url);
                    ok.incrementAndGet();
                } catch (IllegalStateException e) {
                    failures.add(e.getMessage().trim());
                }
            }
        }, "request-loop");
    }

    static RequestLoop start(String what, TestNamespace client, String url) {
        RequestLoop loop = new RequestLoop(what, client, url);
        loop.thread.start();
        return loop;
    }

    long answered() {
        return ok.get();
    }

    List<String> failuresSoFar() {
        return List.copyOf(failures);
    }

    Result stop() throws InterruptedException {
        running.set(false);
        thread.join();
        return new Result(what, ok.get(), List.copyOf(failures));
    }
}
