package io.kubedsr.e2e.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * A client that asks a list of Services over and over, in turn, each request a new TCP connection (HTTP/1.0 GET, 5 s
 * timeout), from a thread inside the client's network namespace; it counts, per target and per phase of the
 * scenario, the requests answered with an HTTP 200 and those that failed (with the first reasons).
 */
public final class ClientLoop implements AutoCloseable {
    /** One Service to ask: a name for the figures, and where. */
    public record Target(String name, String host, int port) {
    }

    /** Requests of one target in one phase. */
    public static final class Tally {
        private int ok;
        private int failed;
        private final List<String> reasons = new ArrayList<>();

        public synchronized int ok() {
            return ok;
        }

        public synchronized int failed() {
            return failed;
        }

        public synchronized List<String> reasons() {
            return List.copyOf(reasons);
        }

        synchronized void record(String failure) {
            if (failure == null) {
                ok++;
            } else {
                failed++;
                if (reasons.size() < 5) {
                    reasons.add(failure);
                }
            }
        }

        @Override
        public synchronized String toString() {
            return ok + " ok, " + failed + " failed" + (reasons.isEmpty() ? "" : " " + reasons);
        }
    }

    private final List<Target> targets;
    private final Map<String, Map<String, Tally>> byPhase = new LinkedHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CompletableFuture<Void> done;
    private volatile String phase;

    private ClientLoop(NetworkNamespace client, List<Target> targets, String firstPhase) {
        this.targets = List.copyOf(targets);
        phase(firstPhase);
        done = CompletableFuture.runAsync(() -> client.run(this::loop));
    }

    /** Starts asking {@code targets} from the namespace {@code client}, counting under {@code firstPhase}. */
    public static ClientLoop start(NetworkNamespace client, List<Target> targets, String firstPhase) {
        return new ClientLoop(client, targets, firstPhase);
    }

    /** Requests from now on count under {@code name}. */
    public synchronized void phase(String name) {
        Map<String, Tally> tallies = new LinkedHashMap<>();
        targets.forEach(t -> tallies.put(t.name(), new Tally()));
        byPhase.put(name, tallies);
        phase = name;
    }

    /** The tally of one target in one phase. */
    public synchronized Tally tally(String phaseName, String target) {
        return byPhase.get(phaseName).get(target);
    }

    /** Every phase's tallies, for a scenario's output. */
    public synchronized String describe() {
        StringBuilder sb = new StringBuilder();
        byPhase.forEach((p, tallies) -> tallies.forEach((t, tally) -> sb.append(p).append(' ').append(t).append(": ")
                .append(tally).append('\n')));
        return sb.toString();
    }

    private void loop() {
        while (running.get()) {
            for (Target t : targets) {
                if (!running.get()) {
                    return;
                }
                String failure = request(t);
                Map<String, Tally> tallies;
                synchronized (this) {
                    tallies = byPhase.get(phase);
                }
                tallies.get(t.name()).record(failure);
            }
        }
    }

    /** Null when answered 200, else why not. */
    private static String request(Target t) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(t.host(), t.port()), 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + t.host() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer.startsWith("HTTP/1.") && answer.contains(" 200 ") ? null : "answer: " + answer.lines().findFirst().orElse("");
        } catch (IOException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    @Override
    public void close() {
        running.set(false);
        done.join();
    }
}
