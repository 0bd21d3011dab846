package io.kubedsr.e2e.switching;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubedsr.netlink.TestNamespace;

/**
 * One iputils ping at 100 packets a second from a namespace to an address, running in the background until
 * {@link #stop()}: then its replies are counted by sequence number. A reply that never came is lost; the few
 * requests still unanswered when the ping was interrupted (in flight, the last ~RTT) are counted apart.
 */
final class PingFlood {
    private static final Pattern REPLY = Pattern.compile("icmp_seq=(\\d+) ");
    private static final Pattern STAMP = Pattern.compile("^\\[(\\d+\\.\\d+)]");
    private static final Pattern SENT = Pattern.compile("(\\d+) packets transmitted");

    /**
     * What one ping saw: requests sent, distinct replies, replies missing before the last one, unanswered at the
     * stop, and for each lost one the wall-clock time (epoch seconds) of the reply before it.
     */
    record Result(String what, long sent, long received, long lost, long unansweredAtStop, List<String> lostAfter) {
        @Override
        public String toString() {
            return what + ": sent " + sent + ", received " + received + ", lost " + lost + " (+" + unansweredAtStop
                    + " in flight at the stop)" + (lostAfter.isEmpty() ? "" : ", lost after the replies of " + lostAfter);
        }
    }

    private final String what;
    private final Path out;
    private final String pid;

    private PingFlood(String what, Path out, String pid) {
        this.what = what;
        this.out = out;
        this.pid = pid;
    }

    static PingFlood start(String what, TestNamespace from, String address) throws Exception {
        Path out = Files.createTempFile("ping", ".txt");
        // -i 0.01: 100 a second (root may go below 0.2 s); -W 2: replies up to 2 s late still count; -D: time stamps.
        String pid = SwitchLab.background(from, "ping -D -i 0.01 -W 2 " + address, out.toString());
        return new PingFlood(what, out, pid);
    }

    /** Replies received so far (to see traffic flowing). */
    long receivedSoFar() throws Exception {
        return REPLY.matcher(Files.readString(out)).results().count();
    }

    /** Interrupts the ping (its summary follows SIGINT) and counts. */
    Result stop() throws Exception {
        TestNamespace.run("kill", "-INT", pid);
        long deadline = System.nanoTime() + 10_000_000_000L;
        String text = Files.readString(out);
        while (!SENT.matcher(text).find()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": ping printed no summary: " + text.lines().reduce((a, b) -> b).orElse(""));
            }
            Thread.sleep(100);
            text = Files.readString(out);
        }
        Matcher sent = SENT.matcher(text);
        sent.find();
        long transmitted = Long.parseLong(sent.group(1));
        // Sequence numbers are 16 bits: unwrap them in the order the replies came (late replies come within 2 s).
        Map<Long, String> seqs = new TreeMap<>();
        long last = 0;
        long base = 0;
        long previous = 0;
        for (String line : text.lines().toList()) {
            Matcher m = REPLY.matcher(line);
            if (!m.find() || line.contains("DUP!")) {
                continue;
            }
            long s = Long.parseLong(m.group(1));
            if (s + 30000 < previous) {
                base += 65536;
            }
            previous = s;
            long seq = base + s;
            Matcher stamp = STAMP.matcher(line);
            seqs.put(seq, stamp.find() ? stamp.group(1) : "?");
            last = Math.max(last, seq);
        }
        List<String> lostAfter = new ArrayList<>();
        for (long seq = 1; seq < last; seq++) {
            if (!seqs.containsKey(seq)) {
                lostAfter.add("#" + (seq - 1) + " at " + seqs.getOrDefault(seq - 1, "?"));
            }
        }
        // iputils numbers from 1: every request up to the last answered one has had time to be answered.
        return new Result(what, transmitted, seqs.size(), last - seqs.size(), transmitted - last, lostAfter);
    }
}
