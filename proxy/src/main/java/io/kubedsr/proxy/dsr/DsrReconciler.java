package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Routing;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.nft.DsrEntry;
import io.kubedsr.proxy.nft.Nftables;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.tunnel.Encapsulation;

/**
 * DSR's kernel state around the IPVS writes, in the order that keeps traffic and ownership right:
 * <ol>
 * <li>{@link #before}: the receivers of this node's endpoint pods (a pod whose receiver fails is taken out of
 * the real servers, with a problem), then the director's policy rules and table 78 for every mark in use, so a
 * packet marked by nftables is delivered to the fwmark service the moment IPVS has it;</li>
 * <li>nftables and IPVS (the engine);</li>
 * <li>{@link #after}: rules of marks no longer used, receivers nobody needs, and only then the marks
 * themselves are released; sloppy scheduling on while a DSR virtual server uses mh, back off when none does.</li>
 * </ol>
 * The pass runs when a DSR Service changed or at a full resync (all receivers re-checked then); otherwise it
 * costs nothing. Marks are recovered from kube-dsr's nftables map once, before the first plan, so a restart
 * keeps every mark. Runs on the kernel thread.
 */
public final class DsrReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(DsrReconciler.class);
    private final DsrRouting routing;
    private final PodReceivers pods;
    private final SloppyScheduling sloppy;
    private final Set<Integer> guePorts;
    private boolean dirty = true;
    private boolean full = true;
    private boolean recovered;
    private boolean warnedNoGue;

    /** {@code guePorts}: the ports every receiver takes GUE on, whatever its Services send (ReceivePorts). */
    public DsrReconciler(Routing routing, PodReceivers pods, SloppyScheduling sloppy, Set<Integer> guePorts) {
        this.routing = new DsrRouting(routing);
        this.pods = pods;
        this.sloppy = sloppy;
        this.guePorts = Set.copyOf(guePorts);
    }

    /** What the pass before IPVS found; {@link #after} finishes it. */
    public record Pass(boolean ran, Map<InetAddress, ReceiverSpec> receivers, Map<AddressFamily, Set<Integer>> marks,
            int writes) {
        static final Pass SKIPPED = new Pass(false, Map.of(), Map.of(), 0);
    }

    /**
     * Takes over the marks kube-dsr's nftables maps hold, DSR and short-circuit ones (once: afterwards memory is what
     * the maps hold).
     */
    public void recoverMarks(ServiceTable table, Nftables nft) {
        if (!recovered) {
            table.marks().recover(nft.dsrMarks());
            table.shortCircuitMarks().recover(nft.shortCircuitMarks());
            recovered = true;
        }
    }

    /** DSR state must be looked at: a DSR Service changed, or ({@code everything}) a full resync. */
    public void changed(boolean everything) {
        dirty = true;
        full |= everything;
    }

    /**
     * Receivers, then rules. {@code want} (the virtual servers about to be written) loses the pods whose receiver
     * failed; their Services get a problem.
     */
    public Pass before(ServiceTable table, Map<VirtualServerKey, DesiredVirtualServer> want, List<Problem> problems) {
        if (!dirty) {
            return Pass.SKIPPED;
        }
        Map<InetAddress, ReceiverSpec> receivers = wantedReceivers(table, guePorts);
        Map<InetAddress, String> noGue = Map.of();
        if (!receivers.isEmpty() && !guePorts.isEmpty() && !pods.gueSupported()) {
            receivers.replaceAll((pod, spec) -> new ReceiverSpec(spec.vips(), Set.of())); // IPIP only
            noGue = withoutGue(receivers.keySet());
        }
        Map<AddressFamily, Set<Integer>> marks = marksByFamily(table);
        long before = pods.writes();
        Map<InetAddress, String> failed = pods.ensure(receivers, full);
        withoutFailedPods(want, failed, noGue, problems);
        int writes = (int) (pods.writes() - before);
        writes += routing.addMissing(marks);
        return new Pass(true, receivers, marks, writes);
    }

    /** Only now that IPVS no longer uses them: stale marks' rules, then receivers nobody needs, then the marks. */
    public int after(ServiceTable table, Pass pass) {
        if (!pass.ran()) {
            return 0;
        }
        int writes = routing.removeUnwanted(pass.marks());
        long before = pods.writes();
        pods.removeUnwanted(pass.receivers());
        writes += (int) (pods.writes() - before);
        table.releaseUnusedMarks();
        writes += sloppy.require(anyConsistentHashing(table));
        dirty = false;
        full = false;
        return writes;
    }

    /** How many entries its caches hold: the rules it knows of, and the pod receivers'. */
    public void cacheSizes(Map<String, Integer> out) {
        out.put("dsr_rule_marks", routing.cachedRules());
        out.putAll(pods.cacheSizes());
    }

    /** The marks of kube-dsr's DSR policy rules of the family, as the kernel holds them. */
    public Set<Integer> ruleMarks(AddressFamily family) {
        return routing.ruleMarks(family);
    }

    /** Removes every DSR rule, table 78's routes and every receiver on this node (--cleanup-config). */
    public int removeAll() {
        return routing.removeUnwanted(Map.of()) + pods.removeEverywhere();
    }

    /**
     * What each local DSR endpoint pod's receiver must hold: the VIPs it serves, and GUE on every receive port
     * whatever its Services' encapsulation, so that a Service switching encapsulation (by annotation, or by a
     * rolling change of the default on the directors) is taken by the receiver before and after, from any
     * director, in any order.
     */
    static Map<InetAddress, ReceiverSpec> wantedReceivers(ServiceTable table, Set<Integer> guePorts) {
        Map<InetAddress, Set<InetAddress>> vips = new HashMap<>();
        for (DesiredVirtualServer d : table.dsrWinners()) {
            for (InetAddress pod : d.dsr().localPods()) {
                vips.computeIfAbsent(pod, p -> new HashSet<>()).add(d.dsr().service().address());
            }
        }
        Map<InetAddress, ReceiverSpec> out = new HashMap<>();
        vips.forEach((pod, v) -> out.put(pod, new ReceiverSpec(v, guePorts)));
        return out;
    }

    /**
     * No fou module on this node: its receivers take IPIP only (a receiver asked for GUE ports would fail, and with
     * it IPIP), so a Service sending GUE cannot reach these pods; they leave its real servers with a problem.
     */
    private Map<InetAddress, String> withoutGue(Set<InetAddress> localPods) {
        if (!warnedNoGue) {
            warnedNoGue = true;
            LOG.warn("this node's kernel has no fou module (the fou generic netlink family is missing): DSR receivers "
                    + "take IPIP only, and Services sending GUE get no traffic to this node's pods; modprobe fou, and the "
                    + "next full sync opens the GUE ports");
        }
        Map<InetAddress, String> out = new HashMap<>();
        for (InetAddress pod : localPods) {
            out.put(pod, "this node's kernel has no fou module (modprobe fou): the DSR receiver in pod "
                    + IpPrefix.format(pod) + " takes IPIP only, not GUE");
        }
        return out;
    }

    private static boolean anyConsistentHashing(ServiceTable table) {
        for (DesiredVirtualServer d : table.dsrWinners()) {
            if (d.consistentHashing()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The marks whose packets must be delivered locally by a policy rule: every DSR mark (a DSR VIP is on no local
     * link).
     */
    static Map<AddressFamily, Set<Integer>> marksByFamily(ServiceTable table) {
        Map<AddressFamily, Set<Integer>> out = new HashMap<>();
        for (DesiredVirtualServer d : table.dsrWinners()) {
            VirtualServerKey.ByFwmark f = (VirtualServerKey.ByFwmark) d.server().key();
            out.computeIfAbsent(f.family(), x -> new HashSet<>()).add(f.fwmark());
        }
        return out;
    }

    /** The nftables map entries: each DSR VIP:port with its mark. */
    public static List<DsrEntry> nftEntries(ServiceTable table) {
        List<DsrEntry> out = new ArrayList<>();
        for (DesiredVirtualServer d : table.dsrWinners()) {
            out.add(new DsrEntry(d.dsr().service(), ((VirtualServerKey.ByFwmark) d.server().key()).fwmark()));
        }
        return out;
    }

    /**
     * A pod whose receiver could not be set up gets no DSR traffic (it would be dropped): it leaves the real
     * servers of the virtual servers it is in, and their Services get a problem. Not from an mh one: every node
     * must hold the same real servers there (the others cannot know, and send it traffic anyway).
     */
    private static void withoutFailedPods(Map<VirtualServerKey, DesiredVirtualServer> want, Map<InetAddress, String> failed,
            Map<InetAddress, String> noGue, List<Problem> problems) {
        if (failed.isEmpty() && noGue.isEmpty()) {
            return;
        }
        for (Map.Entry<VirtualServerKey, DesiredVirtualServer> e : want.entrySet()) {
            DesiredVirtualServer d = e.getValue();
            if (d.dsr() == null) {
                continue;
            }
            Map<InetAddress, String> lost = failed;
            if (d.dsr().encapsulation() instanceof Encapsulation.Gue && !noGue.isEmpty()) {
                lost = new HashMap<>(noGue);
                lost.putAll(failed); // a receiver that failed outright: that reason
            }
            if (Collections.disjoint(d.dsr().localPods(), lost.keySet())) {
                continue;
            }
            Set<RealServer> reals = new LinkedHashSet<>();
            for (RealServer r : d.realServers()) {
                String reason = lost.get(r.address());
                if (reason == null) {
                    reals.add(r);
                } else if (d.consistentHashing()) {
                    reals.add(r);
                    problems.add(new Problem(d.owner().service(), "DsrReceiverFailed", reason + "; traffic for "
                            + d.dsr().service() + " sent to the pod is lost (it stays a real server: with mh every node must "
                            + "hold the same ones)"));
                } else {
                    problems.add(new Problem(d.owner().service(), "DsrReceiverFailed", reason + "; the pod gets no traffic for "
                            + d.dsr().service()));
                }
            }
            e.setValue(d.withServer(d.server(), reals));
        }
    }
}
