package io.kubedsr.proxy.plan;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServerKey;

/**
 * Diffs desired against realized virtual servers and returns the minimal writes: nothing when they are
 * equal, one NEWDEST for one new endpoint. Pure; the caller passes only the keys it re-plans (one Service's
 * for an incremental sync, all owned ones for a full resync).
 * <p>
 * Graceful termination (when enabled): a real server no longer wanted gets weight 0 and stays until its
 * connections reach 0 or the period passes; a draining real server that is wanted again is restored. A weight-0
 * real server found without a start time (after a restart) drains from now. UDP real servers go at once:
 * UDP has no connection end to wait for.
 * <p>
 * A virtual server that must choose alike on every node ({@link DesiredVirtualServer#consistentHashing()}) keeps
 * its real servers in {@link MaglevOrder}'s canonical order, and a draining real server leaves it when the period
 * ends, not when its connections here reach 0: until then it holds its slots in the Maglev table (with weight 0),
 * and when it leaves must not depend on this node's own connections, which other nodes do not share.
 */
public final class IpvsPlanner {
    private final boolean graceful;
    private final Duration gracePeriod;

    public IpvsPlanner(boolean graceful, Duration gracePeriod) {
        this.graceful = graceful;
        this.gracePeriod = gracePeriod;
    }

    public IpvsPlan plan(Map<VirtualServerKey, DesiredVirtualServer> desired, Map<VirtualServerKey, RealizedVirtualServer> realized,
            Map<DrainKey, Instant> drainingBefore, Instant now) {
        List<IpvsOperation> addServices = new ArrayList<>();
        List<IpvsOperation> editServices = new ArrayList<>();
        List<IpvsOperation> realServerWrites = new ArrayList<>();
        List<IpvsOperation> realServerDeletes = new ArrayList<>();
        List<IpvsOperation> deleteServices = new ArrayList<>();
        Map<DrainKey, Instant> draining = new HashMap<>();
        List<DrainKey> removedUdp = new ArrayList<>();

        for (Map.Entry<VirtualServerKey, DesiredVirtualServer> e : desired.entrySet()) {
            VirtualServerKey key = e.getKey();
            DesiredVirtualServer want = e.getValue();
            RealizedVirtualServer have = realized.get(key);
            boolean consistent = want.consistentHashing();
            if (have == null) {
                addServices.add(new IpvsOperation.AddVirtualServer(want.server()));
                for (RealServer rs : consistent ? MaglevOrder.inAddOrder(want.realServers()) : sorted(want.realServers())) {
                    realServerWrites.add(new IpvsOperation.AddRealServer(key, rs));
                }
                continue;
            }
            if (!have.server().equals(want.server())) {
                editServices.add(new IpvsOperation.EditVirtualServer(want.server()));
            }
            Map<RealServerKey, RealServerStatus> present = new LinkedHashMap<>();
            for (RealServerStatus s : have.realServers()) {
                present.put(s.server().key(), s);
            }
            // A consistent virtual server's writes are put in order once all are known.
            List<IpvsOperation> writes = consistent ? new ArrayList<>() : realServerWrites;
            List<IpvsOperation> deletes = consistent ? new ArrayList<>() : realServerDeletes;
            for (RealServer rs : sorted(want.realServers())) {
                RealServerStatus got = present.remove(rs.key());
                if (got == null) {
                    writes.add(new IpvsOperation.AddRealServer(key, rs));
                } else if (!got.server().equals(rs)) {
                    writes.add(new IpvsOperation.EditRealServer(key, rs)); // also ends a drain
                }
            }
            for (RealServerStatus gone : present.values()) {
                DrainKey dk = new DrainKey(key, gone.server().key());
                if (!graceful || isUdp(key)) {
                    deletes.add(new IpvsOperation.DeleteRealServer(key, gone.server().key()));
                    if (isUdp(key)) {
                        removedUdp.add(dk);
                    }
                } else if (gone.server().weight() != 0) {
                    writes.add(new IpvsOperation.EditRealServer(key, gone.server().withWeight(0)));
                    draining.put(dk, now);
                } else {
                    Instant since = drainingBefore.getOrDefault(dk, now);
                    boolean idle = gone.connections() == 0 && !consistent;
                    if (idle || !now.isBefore(since.plus(gracePeriod))) {
                        deletes.add(new IpvsOperation.DeleteRealServer(key, gone.server().key()));
                    } else {
                        draining.put(dk, since);
                    }
                }
            }
            if (consistent) {
                // The kernel's order is known when it was kept canonical, as an mh virtual server's (rr's was not).
                boolean orderKnown = have.server().scheduler().equals(want.server().scheduler());
                realServerWrites.addAll(MaglevOrder.inOrder(key, have.realServers(), writes, deletes, orderKnown));
                realServerDeletes.addAll(deletes);
            }
        }
        for (Map.Entry<VirtualServerKey, RealizedVirtualServer> e : realized.entrySet()) {
            if (!desired.containsKey(e.getKey())) {
                deleteServices.add(new IpvsOperation.DeleteVirtualServer(e.getKey()));
                if (isUdp(e.getKey())) {
                    for (RealServerStatus s : e.getValue().realServers()) {
                        removedUdp.add(new DrainKey(e.getKey(), s.server().key()));
                    }
                }
            }
        }
        List<IpvsOperation> ops = new ArrayList<>();
        ops.addAll(addServices);
        ops.addAll(editServices);
        ops.addAll(realServerWrites);
        ops.addAll(realServerDeletes);
        ops.addAll(deleteServices);
        return new IpvsPlan(ops, draining, removedUdp);
    }

    private static boolean isUdp(VirtualServerKey key) {
        return key instanceof VirtualServerKey.ByAddress a && a.protocol() == Protocol.UDP;
    }

    /** Sorted by their text, each text built once (not twice per comparison: 100,000 of them in a full sync). */
    private static List<RealServer> sorted(Set<RealServer> reals) {
        if (reals.size() < 2) {
            return new ArrayList<>(reals);
        }
        String[] texts = new String[reals.size()];
        RealServer[] servers = reals.toArray(new RealServer[0]);
        Integer[] order = new Integer[servers.length];
        for (int i = 0; i < servers.length; i++) {
            texts[i] = servers[i].toString();
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> texts[a].compareTo(texts[b]));
        List<RealServer> list = new ArrayList<>(servers.length);
        for (Integer i : order) {
            list.add(servers[i]);
        }
        return list;
    }
}
