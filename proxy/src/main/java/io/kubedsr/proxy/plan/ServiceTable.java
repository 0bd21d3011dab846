package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * The desired state of every Service, in one table: each Service's plan, who claims each virtual server and who
 * gets it, how many plans want each VIP, which Services use DSR and the marks their virtual servers are served
 * by. Every update returns a {@link TableChange} naming exactly what it touched. Pure (no I/O); the full sync,
 * the incremental sync and the scenario tests all go through it.
 * <p>
 * <b>Conflicts.</b> When several Service ports claim one virtual server (two Services with the same external
 * IP and port, say), the oldest Service gets it (metadata.creationTimestamp; ties, and Services without one,
 * by namespace, name, port name and protocol), whatever order the objects arrived in; the others get a
 * {@code VirtualServerConflict} problem. An existing Service therefore cannot be taken over by a newer one.
 * When the holder goes, the next claimant gets the virtual server in the same update.
 * <p>
 * <b>DSR.</b> A DSR virtual server is served as a fwmark service: its key becomes its VIP:port's mark
 * ({@link DsrMarks}), assigned when the plan enters the table; marks nobody uses are released only by
 * {@link #releaseUnusedMarks}, once the kernel no longer uses them.
 * <p>
 * <b>Short circuits.</b> A plan's {@link ShortCircuit}s become fwmark virtual servers here too, marked per Service
 * port and family ({@link ShortCircuitMarks}); the nftables map sends in-cluster packets for each external address
 * the port holds (won) to its mark ({@link #shortCircuitEntries}).
 */
public final class ServiceTable {
    /** The order of claims to one virtual server: oldest Service first, then by Service port. */
    private record Claim(Instant created, ServicePortKey owner) implements Comparable<Claim> {
        @Override
        public int compareTo(Claim o) {
            int c = created.compareTo(o.created);
            return c != 0 ? c : owner.compareTo(o.owner);
        }
    }

    private final DsrMarks marks;
    private final Map<ServiceRef, ServicePlan> plans = new HashMap<>();
    /** The claim that gets each virtual server. */
    private final Map<VirtualServerKey, DesiredVirtualServer> winners = new HashMap<>();
    private final Map<VirtualServerKey, Claim> winningClaim = new HashMap<>();
    /** Only for virtual servers claimed more than once: every claim, best first. */
    private final Map<VirtualServerKey, TreeMap<Claim, DesiredVirtualServer>> contested = new HashMap<>();
    private final Map<InetAddress, Integer> vipRefs = new HashMap<>();
    private final Set<ServiceRef> dsrServices = new HashSet<>();
    private final ShortCircuitMarks shortCircuitMarks = new ShortCircuitMarks();
    private final Set<ServiceRef> shortCircuitServices = new HashSet<>();

    public ServiceTable(DsrMarks marks) {
        this.marks = marks;
    }

    public DsrMarks marks() {
        return marks;
    }

    public ShortCircuitMarks shortCircuitMarks() {
        return shortCircuitMarks;
    }

    /** Puts a Service's plan in place of its previous one. */
    public TableChange put(ServicePlan planned) {
        TableChange change = enterPlan(planned);
        conflicts(change);
        return change;
    }

    /**
     * Several updates as one, a sync's batch: each Service's new plan, or null for a deleted Service. Conflicts
     * are judged once, after every update: one update at a time, n Services claiming one virtual server would
     * report every loser again at each put, n^2/2 problems (4.5 million for 3,000; docs/reliability.md).
     */
    public TableChange update(Map<ServiceRef, ServicePlan> batch) {
        TableChange change = new TableChange();
        for (Map.Entry<ServiceRef, ServicePlan> e : batch.entrySet()) {
            change.absorb(e.getValue() == null ? withdrawService(e.getKey()) : enterPlan(e.getValue()));
        }
        conflicts(change);
        return change;
    }

    private TableChange enterPlan(ServicePlan planned) {
        TableChange change = new TableChange();
        ServicePlan plan = withMarks(planned);
        ServicePlan old = plans.put(plan.service(), plan);
        if (old != null) {
            withdraw(old, change);
        }
        enter(plan, change);
        if (old == null || plan.hairpin() || old.hairpin() || !keysOf(old).equals(keysOf(plan))
                || !old.keepSource().equals(plan.keepSource()) || !old.vips().equals(plan.vips())
                || !sourceRangesOf(old).equals(sourceRangesOf(plan))) {
            change.nftChanged();
        }
        change.problems(plan.problems());
        return change;
    }

    /** Takes a deleted Service out. */
    public TableChange remove(ServiceRef service) {
        TableChange change = withdrawService(service);
        conflicts(change);
        return change;
    }

    private TableChange withdrawService(ServiceRef service) {
        TableChange change = new TableChange();
        ServicePlan old = plans.remove(service);
        if (old != null) {
            withdraw(old, change);
            change.nftChanged();
        }
        return change;
    }

    /** Empties the table (a full sync puts every plan again); marks are kept. */
    public void clear() {
        plans.clear();
        winners.clear();
        winningClaim.clear();
        contested.clear();
        vipRefs.clear();
        dsrServices.clear();
        shortCircuitServices.clear();
    }

    private void enter(ServicePlan plan, TableChange change) {
        if (plan.hasDsr()) {
            dsrServices.add(plan.service());
            change.dsrChanged();
        }
        if (!plan.shortCircuits().isEmpty()) {
            shortCircuitServices.add(plan.service());
        }
        count(plan.vips(), +1);
        change.touchVips(plan.vips());
        for (DesiredVirtualServer d : plan.virtualServers()) {
            VirtualServerKey key = d.server().key();
            change.touch(key);
            claim(key, new Claim(plan.created(), d.owner()), d);
        }
    }

    private void withdraw(ServicePlan plan, TableChange change) {
        if (dsrServices.remove(plan.service())) {
            change.dsrChanged();
        }
        shortCircuitServices.remove(plan.service());
        count(plan.vips(), -1);
        change.touchVips(plan.vips());
        for (DesiredVirtualServer d : plan.virtualServers()) {
            VirtualServerKey key = d.server().key();
            change.touch(key);
            unclaim(key, new Claim(plan.created(), d.owner()));
        }
    }

    private void claim(VirtualServerKey key, Claim claim, DesiredVirtualServer d) {
        Claim holder = winningClaim.get(key);
        if (holder == null) {
            winners.put(key, d);
            winningClaim.put(key, claim);
            return;
        }
        if (holder.equals(claim)) {
            return; // the same Service port twice in one plan (an LB IP equal to an external IP): the first stays
        }
        TreeMap<Claim, DesiredVirtualServer> all = contested.computeIfAbsent(key, k -> {
            TreeMap<Claim, DesiredVirtualServer> m = new TreeMap<>();
            m.put(holder, winners.get(key));
            return m;
        });
        all.putIfAbsent(claim, d);
        Map.Entry<Claim, DesiredVirtualServer> best = all.firstEntry();
        winners.put(key, best.getValue());
        winningClaim.put(key, best.getKey());
    }

    private void unclaim(VirtualServerKey key, Claim claim) {
        TreeMap<Claim, DesiredVirtualServer> all = contested.get(key);
        if (all == null) {
            if (claim.equals(winningClaim.get(key))) {
                winners.remove(key);
                winningClaim.remove(key);
            }
            return;
        }
        all.remove(claim);
        Map.Entry<Claim, DesiredVirtualServer> best = all.firstEntry();
        winners.put(key, best.getValue());
        winningClaim.put(key, best.getKey());
        if (all.size() == 1) {
            contested.remove(key);
        }
    }

    /** Every claim that lost a virtual server the change touched gets a problem. */
    private void conflicts(TableChange change) {
        for (VirtualServerKey key : change.keys()) {
            TreeMap<Claim, DesiredVirtualServer> all = contested.get(key);
            if (all == null) {
                continue;
            }
            DesiredVirtualServer holder = winners.get(key);
            for (DesiredVirtualServer loser : all.values()) {
                if (loser != holder) {
                    change.problem(new Problem(loser.owner().service(), "VirtualServerConflict", describe(loser)
                            + " is already served for " + holder.owner() + " (the older Service); not programmed for "
                            + loser.owner()));
                }
            }
        }
    }

    private static String describe(DesiredVirtualServer d) {
        return d.dsr() != null ? "DSR " + d.dsr().service() : d.server().key().toString();
    }

    private void count(Set<InetAddress> vips, int delta) {
        for (InetAddress vip : vips) {
            vipRefs.merge(vip, delta, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    /**
     * A DSR virtual server is served as a fwmark service: its key becomes its VIP:port's mark. A short circuit
     * becomes a fwmark service with its Service port's mark.
     */
    private ServicePlan withMarks(ServicePlan plan) {
        if (!plan.hasDsr() && plan.shortCircuits().isEmpty()) {
            return plan;
        }
        List<DesiredVirtualServer> out = new ArrayList<>();
        for (DesiredVirtualServer d : plan.virtualServers()) {
            if (d.dsr() == null) {
                out.add(d);
                continue;
            }
            VirtualServer s = d.server();
            VirtualServerKey key = VirtualServerKey.ofFwmark(d.dsr().service().family(), marks.markFor(d.dsr().service()));
            out.add(d.withServer(new VirtualServer(key, s.scheduler(), s.flags(), s.timeoutSeconds(), s.netmaskPrefix()),
                    d.realServers()));
        }
        for (ShortCircuit c : plan.shortCircuits()) {
            List<VirtualServerKey.ByAddress> addresses = new ArrayList<>();
            for (DesiredVirtualServer d : plan.virtualServers()) {
                if (d.owner().equals(c.owner()) && d.shortCircuitable() && d.server().key().family() == c.family()) {
                    addresses.add(d.clientKey());
                }
            }
            out.add(c.withMark(shortCircuitMarks.markFor(c.key(), addresses)));
        }
        return plan.withVirtualServers(out);
    }

    /** The source ranges of a plan's restricted virtual servers, by key. */
    private static Map<VirtualServerKey, SourceRanges> sourceRangesOf(ServicePlan plan) {
        Map<VirtualServerKey, SourceRanges> out = Map.of(); // most plans have none: no allocation
        for (DesiredVirtualServer d : plan.virtualServers()) {
            if (d.sourceRanges() != null) {
                if (out.isEmpty()) {
                    out = new HashMap<>();
                }
                out.put(d.server().key(), d.sourceRanges());
            }
        }
        return out;
    }

    private static Set<VirtualServerKey> keysOf(ServicePlan plan) {
        Set<VirtualServerKey> out = new HashSet<>();
        plan.virtualServers().forEach(d -> out.add(d.server().key()));
        return out;
    }

    /**
     * Forgets the marks of VIP:ports no DSR Service claims and of Service ports without a short circuit (call once
     * the kernel no longer uses them).
     */
    public void releaseUnusedMarks() {
        Set<VirtualServerKey.ByAddress> used = new HashSet<>();
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.dsr() != null) {
                    used.add(d.dsr().service());
                }
            }
        }
        marks.retainOnly(used);
        Set<ShortCircuitMarks.Key> circuits = new HashSet<>();
        for (ServiceRef ref : shortCircuitServices) {
            for (ShortCircuit c : plans.get(ref).shortCircuits()) {
                circuits.add(c.key());
            }
        }
        shortCircuitMarks.retainOnly(circuits);
    }

    // ---- reading ----

    /** The virtual server the kernel should have for this key, or null. */
    public DesiredVirtualServer winner(VirtualServerKey key) {
        return winners.get(key);
    }

    /** Every virtual server the kernel should have (read-only). */
    public Map<VirtualServerKey, DesiredVirtualServer> winners() {
        return Collections.unmodifiableMap(winners);
    }

    /** Whether some plan wants the VIP on kube-dummy-if. */
    public boolean wantsVip(InetAddress vip) {
        return vipRefs.containsKey(vip);
    }

    /** Every VIP some plan wants (read-only). */
    public Set<InetAddress> vips() {
        return Collections.unmodifiableSet(vipRefs.keySet());
    }

    public Collection<ServicePlan> plans() {
        return Collections.unmodifiableCollection(plans.values());
    }

    /** Every plan by its Service, copied (what a full sync falls back on for a Service it cannot plan). */
    public Map<ServiceRef, ServicePlan> plansByService() {
        return new HashMap<>(plans);
    }

    public ServicePlan plan(ServiceRef service) {
        return plans.get(service);
    }

    public boolean hasDsrServices() {
        return !dsrServices.isEmpty();
    }

    /** The DSR virtual servers that won their key: what marks, rules and receivers are made for. */
    public List<DesiredVirtualServer> dsrWinners() {
        List<DesiredVirtualServer> out = new ArrayList<>();
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.dsr() != null && d == winners.get(d.server().key())) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    /** How many entries the table's maps hold, by name (the agent's cache gauge). */
    public void cacheSizes(Map<String, Integer> out) {
        out.put("table_service_plans", plans.size());
        out.put("table_virtual_servers", winners.size());
        out.put("table_contested_virtual_servers", contested.size());
        out.put("table_vips", vipRefs.size());
        out.put("table_dsr_services", dsrServices.size());
        out.put("table_short_circuit_services", shortCircuitServices.size());
        out.put("dsr_marks", marks.size());
    }

    /** A LoadBalancer IP's port that only some clients may reach (nftables' firewall sets). */
    public record Firewalled(VirtualServerKey.ByAddress service, SourceRanges sources) {
    }

    /** The source-range restrictions of the virtual servers that won their key. */
    public List<Firewalled> firewalled() {
        List<Firewalled> out = new ArrayList<>();
        for (DesiredVirtualServer d : winners.values()) {
            if (d.sourceRanges() != null) {
                out.add(new Firewalled(d.clientKey(), d.sourceRanges()));
            }
        }
        return out;
    }

    /**
     * An external address whose in-cluster packets go to a short circuit's mark (nftables' short-circuit map). A DSR
     * VIP never is one: in-cluster clients reach it through its DSR virtual server.
     */
    public record ShortCircuited(VirtualServerKey.ByAddress service, int mark) {
    }

    /** Every external address held (won) by a Service port with a short circuit, with that short circuit's mark. */
    public List<ShortCircuited> shortCircuitEntries() {
        List<ShortCircuited> out = new ArrayList<>();
        for (ServiceRef ref : shortCircuitServices) {
            ServicePlan p = plans.get(ref);
            for (DesiredVirtualServer d : p.virtualServers()) {
                if (!d.shortCircuitable() || winners.get(d.server().key()) != d) {
                    continue;
                }
                VirtualServerKey.ByAddress client = d.clientKey();
                Integer mark = shortCircuitMarks.markOf(new ShortCircuitMarks.Key(d.owner(), client.family()));
                if (mark != null && hasShortCircuit(p, d.owner(), client.family())) {
                    out.add(new ShortCircuited(client, mark));
                }
            }
        }
        return out;
    }

    private static boolean hasShortCircuit(ServicePlan plan, ServicePortKey owner, AddressFamily family) {
        for (ShortCircuit c : plan.shortCircuits()) {
            if (c.owner().equals(owner) && c.family() == family) {
                return true;
            }
        }
        return false;
    }

    /** A sorted, line-per-object text of the table: what scenario tests compare. */
    public String dump() {
        List<String> lines = new ArrayList<>();
        List<ServicePlan> ordered = new ArrayList<>(plans.values());
        ordered.sort(Comparator.comparing(ServicePlan::service));
        TableChange all = new TableChange();
        for (ServicePlan p : ordered) {
            all.problems(p.problems());
            p.virtualServers().forEach(d -> all.touch(d.server().key()));
        }
        conflicts(all);
        for (Problem p : all.problems()) {
            lines.add("problem " + p);
        }
        Set<String> vipLines = new TreeSet<>();
        vipRefs.keySet().forEach(v -> vipLines.add("vip " + IpPrefix.format(v)));
        lines.addAll(vipLines);
        List<DesiredVirtualServer> sorted = new ArrayList<>(winners.values());
        sorted.sort(Comparator.comparing(d -> d.server().key().toString()));
        for (DesiredVirtualServer d : sorted) {
            lines.add("vs " + d.server() + " <- " + d.owner() + " " + d.role().name().toLowerCase().replace('_', '-')
                    + (d.dsr() == null ? "" : " " + d.dsr().service() + " " + d.dsr())
                    + (d.sourceRanges() == null ? "" : " sources " + d.sourceRanges()));
            Set<String> reals = new TreeSet<>();
            for (RealServer r : d.realServers()) {
                reals.add("  rs " + r);
            }
            lines.addAll(reals);
        }
        Set<String> circuits = new TreeSet<>();
        for (ShortCircuited c : shortCircuitEntries()) {
            circuits.add("short-circuit " + c.service() + " -> FWM " + c.mark());
        }
        lines.addAll(circuits);
        return String.join("\n", lines) + "\n";
    }

    /** The hairpin endpoints and the keep-source virtual servers of every plan (nftables' inputs). */
    public Set<InetAddress> hairpinEndpoints() {
        Set<InetAddress> out = new LinkedHashSet<>();
        for (ServicePlan p : plans.values()) {
            if (p.hairpin()) {
                for (DesiredVirtualServer d : p.virtualServers()) {
                    d.realServers().forEach(r -> out.add(r.address()));
                }
            }
        }
        return out;
    }

    public Set<VirtualServerKey> keepSource() {
        Set<VirtualServerKey> out = new HashSet<>();
        plans.values().forEach(p -> out.addAll(p.keepSource()));
        return out;
    }
}
