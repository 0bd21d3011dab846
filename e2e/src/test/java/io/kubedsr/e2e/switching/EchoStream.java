package io.kubedsr.e2e.switching;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubedsr.netlink.TestNamespace;

/**
 * One long-lived TCP connection from a namespace to an echo server (stream-tools.py stream-client): 16 KiB out
 * and back ten times a second, each echo compared, until {@link #stop()}. Its result says whether the connection
 * survived (no reset, no corrupted echo) and the longest pause between two round trips (a stall).
 */
final class EchoStream {
    private static final Pattern PROGRESS = Pattern.compile("progress (\\d+)");
    private static final Pattern RESULT = Pattern.compile("rounds=(\\d+) bytes=(\\d+) max_gap_ms=(\\d+) error=(\\S+)");

    record Result(String what, long rounds, long bytes, long maxGapMillis, String error) {
        @Override
        public String toString() {
            return what + ": " + rounds + " round trips, " + bytes / 1024 + " KiB, longest pause " + maxGapMillis + " ms, error "
                    + error;
        }
    }

    private final String what;
    private final Path out;
    private final Path stop;

    private EchoStream(String what, Path out, Path stop) {
        this.what = what;
        this.out = out;
        this.stop = stop;
    }

    static EchoStream start(String what, TestNamespace from, String address, int port) throws Exception {
        Path out = Files.createTempFile("stream", ".txt");
        Path stop = Files.createTempFile("stream", ".stop");
        Files.delete(stop);
        SwitchLab.background(from, "python3 " + SwitchLab.tools() + " stream-client " + address + " " + port + " " + stop, out.toString());
        return new EchoStream(what, out, stop);
    }

    /** Round trips completed so far (the client reports every tenth). */
    long roundsSoFar() throws Exception {
        return PROGRESS.matcher(Files.readString(out)).results().mapToLong(m -> Long.parseLong(m.group(1))).max().orElse(0);
    }

    /** Whether the client has finished (it only does when stopped, or on an error). */
    boolean ended() throws Exception {
        return RESULT.matcher(Files.readString(out)).find();
    }

    Result stop() throws Exception {
        Files.writeString(stop, "stop");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!ended()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": the stream client did not finish: " + Files.readString(out));
            }
            Thread.sleep(100);
        }
        Matcher m = RESULT.matcher(Files.readString(out));
        m.find();
        return new Result(what, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), m.group(4));
    }
}
