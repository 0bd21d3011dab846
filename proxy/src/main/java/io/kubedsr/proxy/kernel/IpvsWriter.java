package io.kubedsr.proxy.kernel;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.ipvs.IpvsException;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.DrainKey;
import io.kubedsr.proxy.plan.IpvsPlan;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.MaglevOrder;
import io.kubedsr.proxy.plan.RealizedVirtualServer;

/**
 * The IPVS side of a sync: what the kernel holds (as last dumped, or as written since), the real servers
 * draining under graceful termination, and the writes that turn the one into what the table wants. An
 * incremental sync diffs only the keys it touched against this cache, with no dump; a full resync reloads it
 * from the kernel first. A failed write leaves the cache wrong until the next full resync, which the sync loop
 * schedules. Runs on the kernel thread.
 */
final class IpvsWriter {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsWriter.class);

    private final IpvsTable ipvs;
    private final IpvsPlanner planner;
    private final UdpConntrack conntrack;
    private final Clock clock;
    private final Function<VirtualServerKey, DesiredVirtualServer> desired;
    private Map<VirtualServerKey, RealizedVirtualServer> realized = new HashMap<>();
    private Map<DrainKey, Instant> draining = new HashMap<>();

    /** One write's outcome: operations issued, failures, and its phases in nanoseconds. */
    record Written(int operations, List<IpvsFailure> failures, long diffNanos, long writeNanos) {
    }

    /** {@code desired}: the table's virtual server for a key, or null; what the cache shares its instances with. */
    IpvsWriter(IpvsTable ipvs, IpvsPlanner planner, UdpConntrack conntrack, Clock clock,
            Function<VirtualServerKey, DesiredVirtualServer> desired) {
        this.ipvs = ipvs;
        this.planner = planner;
        this.conntrack = conntrack;
        this.clock = clock;
        this.desired = desired;
    }

    /**
     * Replaces the cache with the kernel's virtual servers that {@code owned} accepts (a full resync). The old cache
     * is dropped before the dump, not after it: at 30,000 Services x 10 the two together did not fit the DaemonSets'
     * heap (docs/performance.md). A dump that fails half way leaves the cache holding what was read, and the full
     * resync failed, so another follows.
     */
    void reload(Predicate<VirtualServerKey> owned) {
        realized = new HashMap<>();
        for (VirtualServerStatus vs : ipvs.virtualServers()) {
            VirtualServerKey key = vs.server().key();
            if (owned.test(key)) {
                realized.put(key, cached(vs.server(), ipvs.realServers(key)));
            }
        }
    }

    /** The kernel's virtual servers that {@code owned} accepts, without their real servers: one dump (a verification's start). */
    Map<VirtualServerKey, VirtualServer> listOwned(Predicate<VirtualServerKey> owned) {
        Map<VirtualServerKey, VirtualServer> out = new HashMap<>();
        for (VirtualServerStatus vs : ipvs.virtualServers()) {
            if (owned.test(vs.server().key())) {
                out.put(vs.server().key(), vs.server());
            }
        }
        return out;
    }

    /**
     * A verification step: the real servers of these virtual servers read from the kernel (those {@code listed}
     * has; one dump each), into the cache, which forgets the others. A virtual server gone since it was listed
     * (ESRCH) counts as absent. Returns what the kernel holds of them.
     */
    Map<VirtualServerKey, RealizedVirtualServer> reread(Collection<VirtualServerKey> keys, Map<VirtualServerKey, VirtualServer> listed) {
        Map<VirtualServerKey, RealizedVirtualServer> out = new LinkedHashMap<>();
        for (VirtualServerKey k : keys) {
            VirtualServer server = listed.get(k);
            realized.remove(k);
            if (server == null) {
                continue;
            }
            try {
                RealizedVirtualServer r = cached(server, ipvs.realServers(k));
                realized.put(k, r);
                out.put(k, r);
            } catch (IpvsException e) {
                if (!e.isVirtualServerNotFound()) {
                    throw e;
                }
            }
        }
        return out;
    }

    /** The keys the cache holds. */
    Set<VirtualServerKey> cachedKeys() {
        return new HashSet<>(realized.keySet());
    }

    /** What the cache holds for these keys. */
    Map<VirtualServerKey, RealizedVirtualServer> realizedOf(Set<VirtualServerKey> keys) {
        Map<VirtualServerKey, RealizedVirtualServer> out = new LinkedHashMap<>();
        for (VirtualServerKey k : keys) {
            RealizedVirtualServer r = realized.get(k);
            if (r != null) {
                out.put(k, r);
            }
        }
        return out;
    }

    /** Every cached virtual server (a full resync diffs them all). */
    Map<VirtualServerKey, RealizedVirtualServer> realizedAll() {
        return new LinkedHashMap<>(realized);
    }

    int draining() {
        return draining.size();
    }

    /** How many virtual and real servers the cache of the kernel's IPVS holds, and how many real servers drain. */
    void cacheSizes(Map<String, Integer> out) {
        int reals = 0;
        for (RealizedVirtualServer r : realized.values()) {
            reals += r.realServers().size();
        }
        out.put("realized_virtual_servers", realized.size());
        out.put("realized_real_servers", reals);
        out.put("draining_real_servers", draining.size());
    }

    /**
     * The virtual servers with draining real servers, read again from the kernel for their connection counts;
     * those gone from the kernel stop draining.
     */
    Map<VirtualServerKey, RealizedVirtualServer> drainingNow() {
        Map<VirtualServerKey, RealizedVirtualServer> have = new LinkedHashMap<>();
        for (DrainKey dk : draining.keySet()) {
            VirtualServerKey k = dk.service();
            RealizedVirtualServer known = realized.get(k);
            if (have.containsKey(k) || known == null) {
                continue;
            }
            try {
                have.put(k, new RealizedVirtualServer(known.server(), ipvs.realServers(k)));
            } catch (IpvsException e) {
                if (!e.isVirtualServerNotFound()) {
                    throw e;
                }
            }
        }
        draining.keySet().removeIf(dk -> !have.containsKey(dk.service()));
        return have;
    }

    /**
     * Writes what turns {@code have} into {@code want} (the same keys), flushes the conntrack entries of removed UDP
     * real servers, and updates the cache. A refused operation becomes a problem of the Service that wanted it.
     */
    Written write(Map<VirtualServerKey, DesiredVirtualServer> want, Map<VirtualServerKey, RealizedVirtualServer> have,
            List<Problem> problems) {
        long diffStart = System.nanoTime();
        IpvsPlan plan = planner.plan(want, have, draining, clock.instant());
        long diffNanos = System.nanoTime() - diffStart;
        Map<DrainKey, Instant> nextDraining = new HashMap<>(draining);
        nextDraining.keySet().removeIf(dk -> want.containsKey(dk.service()) || have.containsKey(dk.service()));
        nextDraining.putAll(plan.draining());
        draining = nextDraining;
        long writeStart = System.nanoTime();
        List<IpvsFailure> failures = plan.operations().isEmpty() ? List.of() : ipvs.apply(plan.operations());
        if (!plan.removedUdp().isEmpty()) {
            conntrack.flush(plan.removedUdp());
        }
        long writeNanos = System.nanoTime() - writeStart;
        Set<VirtualServerKey> notAdded = new HashSet<>();
        for (IpvsFailure f : failures) {
            if (f.operation() instanceof IpvsOperation.AddVirtualServer a) {
                notAdded.add(a.server().key());
            }
        }
        for (IpvsFailure f : failures) {
            LOG.warn("ipvs operation failed op=\"{}\" errno={} reason={} message=\"{}\"", f.operation(), f.error().errno(),
                    f.error().reason(), f.error().kernelMessage());
            VirtualServerKey key = serviceOf(f.operation());
            if (notAdded.contains(key) && f.error().isVirtualServerNotFound()) {
                // The real servers of a virtual server whose add was refused in this batch get ESRCH: the refusal
                // itself is the Service's problem, not these (one Event saying why, not one per endpoint).
                continue;
            }
            DesiredVirtualServer d = want.get(key);
            if (d != null) {
                // e.g. a GUE real server on a kernel before 5.2, or a scheduler module that is missing
                problems.add(new Problem(d.owner().service(), d.dsr() != null ? "DsrKernelError" : "KernelError",
                        "the kernel refused " + f.operation() + ": " + f.error().errno()
                                + (f.error().kernelMessage() == null ? "" : " (" + f.error().kernelMessage() + ")")
                                + "; retried at the next full resync"));
            }
        }
        remember(want, have, plan);
        return new Written(plan.operations().size(), failures, diffNanos, writeNanos);
    }

    /** The cache follows what was asked for; a failed write makes it wrong until the next full resync dumps. */
    private void remember(Map<VirtualServerKey, DesiredVirtualServer> want, Map<VirtualServerKey, RealizedVirtualServer> have,
            IpvsPlan plan) {
        for (VirtualServerKey k : have.keySet()) {
            realized.remove(k);
        }
        Set<VirtualServerKey> written = new HashSet<>();
        plan.operations().forEach(op -> written.add(serviceOf(op)));
        for (Map.Entry<VirtualServerKey, DesiredVirtualServer> e : want.entrySet()) {
            RealizedVirtualServer before = have.get(e.getKey());
            // Nothing written for it: what was dumped or known is still right (a resync keeps it, no copy).
            realized.put(e.getKey(), before != null && !written.contains(e.getKey()) ? before
                    : asRealized(e.getValue(), before, plan));
        }
    }

    /** What the kernel holds after the plan: the desired real servers plus those still draining. */
    private static RealizedVirtualServer asRealized(DesiredVirtualServer want, RealizedVirtualServer before, IpvsPlan plan) {
        List<RealServerStatus> reals = new ArrayList<>();
        for (RealServer rs : want.realServers()) {
            reals.add(new RealServerStatus(rs, 0, 0, 0, IpvsStats.ZERO));
        }
        for (DrainKey dk : plan.draining().keySet()) {
            if (dk.service().equals(want.server().key()) && before != null) {
                for (RealServerStatus s : before.realServers()) {
                    if (s.server().key().equals(dk.realServer())) {
                        reals.add(new RealServerStatus(s.server().withWeight(0), s.activeConnections(), s.inactiveConnections(),
                                s.persistentConnections(), s.stats()));
                    }
                }
            }
        }
        // An mh DSR virtual server's list is kept in canonical order, which the next diff relies on.
        return new RealizedVirtualServer(want.server(), want.consistentHashing() ? MaglevOrder.kernelOrderOf(reals) : reals);
    }

    static VirtualServerKey serviceOf(IpvsOperation op) {
        if (op instanceof IpvsOperation.AddVirtualServer a) {
            return a.server().key();
        } else if (op instanceof IpvsOperation.EditVirtualServer e) {
            return e.server().key();
        } else if (op instanceof IpvsOperation.DeleteVirtualServer d) {
            return d.key();
        } else if (op instanceof IpvsOperation.AddRealServer a) {
            return a.service();
        } else if (op instanceof IpvsOperation.EditRealServer e) {
            return e.service();
        }
        return ((IpvsOperation.DeleteRealServer) op).service();
    }

    /**
     * A dumped virtual server as the cache keeps it: its real servers' connection counts (graceful termination reads
     * them) without the traffic counters, which metrics read separately; and the table's own VirtualServer and
     * RealServer instances wherever the kernel's are equal to them, so that what the kernel holds as it should is in
     * the heap once, not once in the table and again, decoded, in the cache (300,000 real servers at 30,000 Services).
     */
    private RealizedVirtualServer cached(VirtualServer dumped, List<RealServerStatus> reals) {
        DesiredVirtualServer want = desired.apply(dumped.key());
        VirtualServer server = want != null && want.server().equals(dumped) ? want.server() : dumped;
        Map<RealServer, RealServer> shared = new HashMap<>();
        if (want != null) {
            want.realServers().forEach(rs -> shared.put(rs, rs)); // equal is interchangeable, the table's is kept anyway
        }
        List<RealServerStatus> out = new ArrayList<>(reals.size());
        for (RealServerStatus s : reals) {
            out.add(new RealServerStatus(shared.getOrDefault(s.server(), s.server()), s.activeConnections(),
                    s.inactiveConnections(), s.persistentConnections(), IpvsStats.ZERO));
        }
        return new RealizedVirtualServer(server, out);
    }
}
