package io.kubedsr.proxy.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kubedsr.netlink.IpPrefix;

/** Parsers for flag values, with the messages users see. */
public final class ValueParsers {
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    /** The longest duration any flag takes: 100 years, far below what a long of milliseconds holds. */
    private static final long MAX_MILLIS = 100L * 365 * 24 * 3_600_000;

    private ValueParsers() {
    }

    public static boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "1", "t", "yes" -> true;
            case "false", "0", "f", "no" -> false;
            default -> throw new IllegalArgumentException("not a boolean: '" + text + "' (true or false)");
        };
    }

    /** Go-style durations as kube-router takes them: 300ms, 30s, 5m, 1h30m; 0 alone is zero. */
    public static Duration duration(String text) {
        String t = text.trim();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(t);
        long millis = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double v = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                default -> 3_600_000;
            };
            // A part past MAX_MILLIS used to wrap the sum around to a negative duration (found by fuzzing).
            if (v > MAX_MILLIS || millis + (long) v > MAX_MILLIS) {
                throw new IllegalArgumentException("duration '" + text + "' is longer than 100 years");
            }
            millis += (long) v;
            at = m.end();
        }
        if (at != t.length() || t.isEmpty()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 30s, 5m, 1h)");
        }
        return Duration.ofMillis(millis);
    }

    /** A duration of at least a millisecond (what drives a periodic timer). */
    public static Duration positiveDuration(String text) {
        Duration d = duration(text);
        if (d.toMillis() < 1) {
            throw new IllegalArgumentException("must be longer than 0 (e.g. 30s, 5m)");
        }
        return d;
    }

    /** A duration in whole seconds that fits an int, as IPVS takes its timeouts. */
    public static Duration ipvsTimeout(String text) {
        Duration d = duration(text);
        if (d.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("longer than IPVS can take (" + Integer.MAX_VALUE + " s)");
        }
        return d;
    }

    /** An IP literal to listen on, as written back (no name is looked up), or empty for the default. */
    public static String listenAddress(String text) {
        return text.isBlank() ? "" : IpPrefix.format(IpPrefix.parseAddress(text));
    }

    public static int port(String text) {
        int p;
        try {
            p = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port number: '" + text + "'");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " outside 0..65535");
        }
        return p;
    }

    /** A GUE port: 1024..65535 (below 1024 are well-known services' ports). */
    public static int guePort(String text) {
        int p = port(text);
        if (p < 1024) {
            throw new IllegalArgumentException("port " + p + " outside 1024..65535");
        }
        return p;
    }

    /** A comma-separated list of GUE ports; empty text is an empty list. */
    public static List<Integer> guePorts(String text) {
        List<Integer> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(guePort(part));
            }
        }
        return List.copyOf(out);
    }

    /** A comma-separated list of CIDRs; empty text is an empty list. Host bits must be zero. */
    public static List<IpPrefix> cidrs(String text) {
        List<IpPrefix> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (!p.contains("/")) {
                throw new IllegalArgumentException("not a CIDR: '" + p + "' (e.g. 10.96.0.0/12)");
            }
            IpPrefix prefix = IpPrefix.parse(p);
            if (!prefix.network().equals(prefix.address())) {
                throw new IllegalArgumentException("CIDR " + p + " has host bits set (did you mean "
                        + IpPrefix.format(prefix.network()) + "/" + prefix.length() + "?)");
            }
            out.add(prefix);
        }
        return List.copyOf(out);
    }

    public static String oneOf(String text, String... allowed) {
        for (String a : allowed) {
            if (a.equals(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", allowed));
    }
}
