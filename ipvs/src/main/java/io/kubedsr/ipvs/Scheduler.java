package io.kubedsr.ipvs;

import java.util.List;
import java.util.Locale;

/**
 * An IPVS scheduler by its kernel name (module ip_vs_NAME). The constants are the schedulers kube-dsr
 * accepts in configuration; a scheduler read from the kernel may be any name (another party's service).
 */
public record Scheduler(String name) {
    /** Round robin. */
    public static final Scheduler RR = new Scheduler("rr");
    /** Weighted round robin. */
    public static final Scheduler WRR = new Scheduler("wrr");
    /** Least connection. */
    public static final Scheduler LC = new Scheduler("lc");
    /** Weighted least connection (the kernel's default). */
    public static final Scheduler WLC = new Scheduler("wlc");
    /** Locality-based least connection. */
    public static final Scheduler LBLC = new Scheduler("lblc");
    /** Locality-based least connection with replication. */
    public static final Scheduler LBLCR = new Scheduler("lblcr");
    /** Destination hashing. */
    public static final Scheduler DH = new Scheduler("dh");
    /** Source hashing; flag 1 = sh-fallback, flag 2 = sh-port. */
    public static final Scheduler SH = new Scheduler("sh");
    /** Shortest expected delay. */
    public static final Scheduler SED = new Scheduler("sed");
    /** Never queue. */
    public static final Scheduler NQ = new Scheduler("nq");
    /** Weighted failover. */
    public static final Scheduler FO = new Scheduler("fo");
    /** Weighted overflow. */
    public static final Scheduler OVF = new Scheduler("ovf");
    /** Maglev hashing; flag 1 = mh-fallback, flag 2 = mh-port. */
    public static final Scheduler MH = new Scheduler("mh");

    /** The schedulers configuration may name. */
    public static final List<Scheduler> KNOWN = List.of(RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, FO, OVF, MH);

    public Scheduler {
        // IP_VS_SCHEDNAME_MAXLEN is 16 including the NUL.
        if (!validName(name)) {
            throw new IllegalArgumentException("invalid scheduler name '" + name + "'");
        }
    }

    /** [a-z0-9_]{1,15}, checked without a regex: every virtual server dumped from the kernel names one. */
    private static boolean validName(String name) {
        if (name == null || name.isEmpty() || name.length() > 15) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
    // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof Scheduler s && name.equals(s.name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    /** Parses a configured scheduler name (case-insensitive); only {@link #KNOWN} names are accepted. */
    public static Scheduler parse(String text) {
        String n = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Scheduler s : KNOWN) {
            if (s.name.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown IPVS scheduler '" + text + "' (known: "
                + String.join(", ", KNOWN.stream().map(Scheduler::name).toList()) + ")");
    }

    @Override
    public String toString() {
        return name;
    }
}
