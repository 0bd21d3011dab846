package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.Service;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsTimeouts;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.DsrRouting;
import io.kubedsr.proxy.nft.DsrEntry;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftRules;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.DrainKey;
import io.kubedsr.proxy.plan.IpvsPlan;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.MaglevOrder;
import io.kubedsr.proxy.plan.RealizedVirtualServer;
import io.kubedsr.proxy.plan.ServicePlan;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.watch.ClusterModel;

/**
 * Turns Services into kernel state. An incremental sync re-plans only the changed Services and writes only
 * the difference against what it last wrote; a full resync dumps the kernel (owned virtual servers and
 * kube-dummy-if's addresses) and repairs drift. Start-up is a full resync that adopts what matches, so a
 * restart with unchanged inputs writes nothing. Runs on the kernel executor thread only.
 */
public final class SyncEngine {
    public static final String DUMMY_LINK = "kube-dummy-if";
    private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

    private final AgentConfig config;
    private ServicePlanner planner;
    private final IpvsPlanner ipvsPlanner;
    private Ownership ownership;
    private final Set<InetAddress> ownedNodePortAddresses = new HashSet<>();
    private final IpvsClient ipvs;
    private final Rtnetlink rtnl;
    private final Clock clock;
    private final NftTable nft;
    private UdpConntrackFlusher udpFlusher;
    private SloppySysctls sloppy;

    private final Map<ServiceRef, ServicePlan> plans = new HashMap<>();
    private final Map<VirtualServerKey, DesiredVirtualServer> desired = new HashMap<>();
    private Map<VirtualServerKey, RealizedVirtualServer> realized = new HashMap<>();
    private Map<DrainKey, Instant> draining = new HashMap<>();
    private final VipAddresses vips;
    /** How many Service plans want each VIP: an incremental sync only looks at the VIPs it touched. */
    private final Map<InetAddress, Integer> vipRefs = new HashMap<>();
    /** The nftables table needs re-rendering: virtual servers, VIPs or hairpin endpoints changed. */
    private boolean nftDirty = true;

    // DSR: marks per service, the director's policy routing, the receivers of this node's pods.
    private final DsrMarks marks = new DsrMarks();
    private final DsrRouting dsrRouting;
    private final DsrPods dsrPods;
    private final Set<ServiceRef> dsrServices = new HashSet<>();
    private volatile Set<InetAddress> clusterNodeAddresses = Set.of();
    /** DSR state (receivers, rules) must be looked at: a DSR Service changed, or a full resync. */
    private boolean dsrDirty = true;
    private boolean dsrFull = true;
    private int linkMtu = 1500;
    private boolean marksRecovered;
    private long lastNftMillis;
    private long lastDiffMillis;
    private long lastIpvsMillis;
    private NodeInfo node;

    /** {@code nft} applies kube-dsr's nftables table; null leaves nftables alone (tools that only read). */
    public SyncEngine(AgentConfig config, NodeInfo node, IpvsClient ipvs, Rtnetlink rtnl, NftTable nft, Clock clock) {
        this(config, node, ipvs, rtnl, nft, clock, null);
    }

    /** {@code dsrPods} sets up the DSR receivers of this node's pods; null leaves pods alone. */
    public SyncEngine(AgentConfig config, NodeInfo node, IpvsClient ipvs, Rtnetlink rtnl, NftTable nft, Clock clock,
            DsrPods dsrPods) {
        this.config = config;
        this.dsrRouting = new DsrRouting(rtnl);
        this.dsrPods = dsrPods;
        this.vips = new VipAddresses(rtnl, () -> this.node.addresses());
        this.ipvsPlanner = new IpvsPlanner(config.ipvsGracefulTermination(), config.ipvsGracefulPeriod());
        nodeChanged(node);
        this.ipvs = ipvs;
        this.rtnl = rtnl;
        this.clock = clock;
        this.nft = nft;
    }

    /** After the IPVS write, deletes the conntrack entries of removed UDP real servers (null: never). */
    public void setUdpConntrackFlusher(UdpConntrackFlusher flusher) {
        this.udpFlusher = flusher;
    }

    /** Turns IPVS's sloppy scheduling on while a DSR virtual server uses mh (null: never touched). */
    public void setSloppySysctls(SloppySysctls sloppy) {
        this.sloppy = sloppy;
    }

    /** Creates kube-dummy-if if missing, applies the IPVS timeouts from the flags; writes nothing else. */
    public void start() {
        Link dummy = rtnl.link(DUMMY_LINK).orElse(null);
        if (dummy == null) {
            dummy = rtnl.addLink(DUMMY_LINK, new LinkKind.Dummy());
            LOG.info("created link={} index={}", DUMMY_LINK, dummy.index());
        }
        if (!dummy.isUp()) {
            rtnl.setUp(dummy.index());
        }
        vips.useLink(dummy.index());
        linkMtu = nodeLinkMtu();
        IpvsTimeouts timeouts = new IpvsTimeouts((int) config.serviceTcpTimeout().toSeconds(),
                (int) config.serviceTcpFinTimeout().toSeconds(), (int) config.serviceUdpTimeout().toSeconds());
        if (timeouts.tcp() + timeouts.tcpFin() + timeouts.udp() > 0 && !ipvs.timeouts().equals(merge(ipvs.timeouts(), timeouts))) {
            ipvs.setTimeouts(timeouts);
        }
    }

    /** The MTU of the link holding this node's address (what DSR's MSS clamp is computed from); 1500 if unknown. */
    private int nodeLinkMtu() {
        for (Address a : rtnl.addresses(AddressFamily.UNSPEC)) {
            if (node.addresses().contains(a.address())) {
                int mtu = rtnl.link(a.linkIndex()).map(Link::mtu).orElse(0);
                if (mtu > 0) {
                    return mtu;
                }
            }
        }
        return 1500;
    }

    /**
     * Every node's addresses (from the Node objects): an endpoint with one of them is a hostNetwork pod, which
     * cannot do DSR. Takes effect at the next full resync.
     */
    public void setClusterNodeAddresses(Set<InetAddress> addresses) {
        clusterNodeAddresses = Set.copyOf(addresses);
    }

    /** Whether any Service is served with DSR now (kernel thread). */
    public boolean hasDsrServices() {
        return !dsrServices.isEmpty();
    }

    private static IpvsTimeouts merge(IpvsTimeouts current, IpvsTimeouts wanted) {
        return new IpvsTimeouts(wanted.tcp() == 0 ? current.tcp() : wanted.tcp(),
                wanted.tcpFin() == 0 ? current.tcpFin() : wanted.tcpFin(), wanted.udp() == 0 ? current.udp() : wanted.udp());
    }

    /** Re-plans the given Services (absent from the model: deleted) and writes only what differs. */
    public SyncResult syncServices(Collection<ServiceRef> changed, ClusterModel model) {
        long t0 = System.nanoTime();
        Set<VirtualServerKey> touched = new HashSet<>();
        List<Problem> problems = new ArrayList<>();
        Set<InetAddress> vipCandidates = new HashSet<>();
        for (ServiceRef ref : changed) {
            ServicePlan old = plans.remove(ref);
            if (old != null) {
                countVips(old, -1);
                vipCandidates.addAll(old.vips());
                for (DesiredVirtualServer d : old.virtualServers()) {
                    touched.add(d.server().key());
                    DesiredVirtualServer current = desired.get(d.server().key());
                    if (current != null && current.owner().service().equals(ref)) {
                        desired.remove(d.server().key());
                    }
                }
            }
            Service svc = model.service(ref).orElse(null);
            ServicePlan plan = null;
            if (svc != null) {
                plan = adopt(ref, planner.plan(svc, model.slices(ref)), problems);
                plan.virtualServers().forEach(d -> touched.add(d.server().key()));
                vipCandidates.addAll(plan.vips());
            }
            if (plan == null) {
                dsrServices.remove(ref);
            }
            if (old != null && hasDsr(old) || plan != null && hasDsr(plan)) {
                nftDirty = true;
                dsrDirty = true;
            }
            if (old == null || plan == null || plan.hairpin() || old.hairpin() || !keysOf(old).equals(keysOf(plan))
                    || !old.keepSource().equals(plan.keepSource()) || !old.vips().equals(plan.vips())) {
                nftDirty = true;
            }
        }
        int addressOps = vips.sync(vipCandidates, this::wantsVip);
        Map<VirtualServerKey, DesiredVirtualServer> want = new LinkedHashMap<>();
        Map<VirtualServerKey, RealizedVirtualServer> have = new LinkedHashMap<>();
        for (VirtualServerKey k : touched) {
            if (desired.containsKey(k)) {
                want.put(k, desired.get(k));
            }
            if (realized.containsKey(k)) {
                have.put(k, realized.get(k));
            }
        }
        return apply(want, have, addressOps, problems, t0);
    }

    /**
     * Graceful termination's follow-up: reads the connection counts of the virtual servers with draining real
     * servers and deletes those that are idle or past the grace period.
     */
    public SyncResult refreshDraining() {
        long t0 = System.nanoTime();
        Map<VirtualServerKey, DesiredVirtualServer> want = new LinkedHashMap<>();
        Map<VirtualServerKey, RealizedVirtualServer> have = new LinkedHashMap<>();
        for (DrainKey dk : draining.keySet()) {
            VirtualServerKey k = dk.service();
            if (have.containsKey(k)) {
                continue;
            }
            RealizedVirtualServer known = realized.get(k);
            DesiredVirtualServer d = desired.get(k);
            try {
                List<RealServerStatus> reals = ipvs.realServers(k);
                have.put(k, new RealizedVirtualServer(known != null ? known.server() : d.server(), reals));
                if (d != null) {
                    want.put(k, d);
                }
            } catch (io.kubedsr.ipvs.IpvsException e) {
                if (!e.isVirtualServerNotFound()) {
                    throw e;
                }
            }
        }
        draining.keySet().removeIf(dk -> !have.containsKey(dk.service()));
        return apply(want, have, 0, List.of(), t0);
    }

    /**
     * Records a Service's plan and claims its virtual servers; a virtual server another Service holds already
     * stays with it, and this Service gets a problem (the same rule as {@link io.kubedsr.proxy.plan.DesiredState}).
     */
    private ServicePlan adopt(ServiceRef ref, ServicePlan planned, List<Problem> problems) {
        ServicePlan plan = withMarks(planned);
        plans.put(ref, plan);
        if (hasDsr(plan)) {
            dsrServices.add(ref);
        } else {
            dsrServices.remove(ref);
        }
        countVips(plan, +1);
        problems.addAll(plan.problems());
        for (DesiredVirtualServer d : plan.virtualServers()) {
            DesiredVirtualServer earlier = desired.putIfAbsent(d.server().key(), d);
            if (earlier != null && !earlier.owner().service().equals(ref)) {
                problems.add(io.kubedsr.proxy.plan.DesiredState.conflict(ref, earlier, d));
            }
        }
        return plan;
    }

    /** A DSR virtual server is served as a fwmark service: its key becomes its service's mark. */
    private ServicePlan withMarks(ServicePlan plan) {
        if (!hasDsr(plan)) {
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
        return new ServicePlan(plan.service(), out, plan.vips(), plan.problems(), plan.hairpin(), plan.keepSource());
    }

    private static boolean hasDsr(ServicePlan plan) {
        for (DesiredVirtualServer d : plan.virtualServers()) {
            if (d.dsr() != null) {
                return true;
            }
        }
        return false;
    }

    private void countVips(ServicePlan plan, int delta) {
        for (InetAddress vip : plan.vips()) {
            vipRefs.merge(vip, delta, (a, b) -> a + b == 0 ? null : a + b);
        }
    }

    private static Set<VirtualServerKey> keysOf(ServicePlan plan) {
        Set<VirtualServerKey> out = new HashSet<>();
        plan.virtualServers().forEach(d -> out.add(d.server().key()));
        return out;
    }

    /**
     * This node's addresses changed (its Node object): NodePorts are planned on the new ones from the next full
     * resync, which also removes those on the old ones (they stay owned until a restart).
     */
    public void nodeChanged(NodeInfo node) {
        this.node = node;
        this.planner = new ServicePlanner(config, node, a -> clusterNodeAddresses.contains(a));
        ownedNodePortAddresses.addAll(node.addresses());
        if (config.nodePortBindOnAllIp()) {
            ownedNodePortAddresses.addAll(node.allLocalAddresses());
        }
        this.ownership = new Ownership(config.excludedCidrs(), ownedNodePortAddresses);
    }

    /**
     * Takes over the DSR marks kube-dsr's nftables map holds (a restart keeps every mark). Once: afterwards the
     * marks in memory are what the map holds, since every table written is rendered from them.
     */
    private void recoverMarks() {
        if (marksRecovered) {
            return;
        }
        String listing = nft == null ? null : nft.dsrMapListing();
        if (listing != null) {
            marks.recover(NftRules.dsrMarksOf(listing));
        }
        marksRecovered = true;
    }

    /** Re-plans everything, dumps the kernel and repairs drift in what kube-dsr owns. */
    public SyncResult fullResync(ClusterModel model) {
        long t0 = System.nanoTime();
        nftDirty = true;
        dsrDirty = true;
        dsrFull = true;
        recoverMarks();
        long recovered = System.nanoTime();
        plans.clear();
        desired.clear();
        vipRefs.clear();
        dsrServices.clear();
        List<Problem> problems = new ArrayList<>();
        List<ServiceRef> refs = new ArrayList<>(model.services());
        refs.sort(null);
        for (ServiceRef ref : refs) {
            adopt(ref, planner.plan(model.service(ref).orElseThrow(), model.slices(ref)), problems);
        }
        long planned = System.nanoTime();
        vips.reload();
        // Dump before the VIPs change: a virtual server on a VIP about to leave kube-dummy-if (its Service was
        // deleted while the agent was down) is recognised as ours only while the VIP is still there.
        realized = dumpOwned();
        long dumped = System.nanoTime();
        Set<InetAddress> everyVip = new HashSet<>(vips.held());
        everyVip.addAll(vipRefs.keySet());
        int addressOps = vips.sync(everyVip, this::wantsVip);
        long vipsDone = System.nanoTime();
        SyncResult result = apply(new LinkedHashMap<>(desired), new LinkedHashMap<>(realized), addressOps, problems, t0);
        LOG.info("full resync phases: marks_ms={} plan_ms={} dump_ms={} vips_ms={} nft_ms={} diff_ms={} ipvs_ms={} total_ms={}"
                + " (services={} virtual_servers={})", (recovered - t0) / 1_000_000, (planned - recovered) / 1_000_000,
                (dumped - planned) / 1_000_000, (vipsDone - dumped) / 1_000_000, lastNftMillis, lastDiffMillis, lastIpvsMillis,
                (System.nanoTime() - t0) / 1_000_000, plans.size(), desired.size());
        return result;
    }

    private SyncResult apply(Map<VirtualServerKey, DesiredVirtualServer> want, Map<VirtualServerKey, RealizedVirtualServer> have,
            int addressOps, List<Problem> found, long t0) {
        List<Problem> problems = new ArrayList<>(found);
        Map<InetAddress, DsrPods.Wanted> receivers = null;
        Map<AddressFamily, Set<Integer>> dsrMarks = null;
        boolean dsrPass = dsrDirty;
        if (dsrPass) {
            receivers = wantedReceivers();
            dsrMarks = dsrMarksByFamily(); // the plans do not change during this sync: used again after IPVS
            if (dsrPods != null) {
                long before = dsrPods.writes();
                Map<InetAddress, String> failed = dsrPods.ensure(receivers, dsrFull);
                withoutFailedPods(want, failed, problems);
                addressOps += (int) (dsrPods.writes() - before);
            }
            addressOps += dsrRouting.addMissing(dsrMarks);
        }
        RuntimeException nftError = null;
        long nftStart = System.nanoTime();
        if (nft != null && nftDirty) {
            // Rendering is O(all services): done only when the sets can have changed, not for endpoint churn.
            try {
                if (nft.apply(NftRules.render(nftInput()))) {
                    addressOps++;
                }
                nftDirty = false;
            } catch (RuntimeException e) {
                nftError = e; // IPVS is still programmed; the sync fails afterwards and is retried
            }
        }
        lastNftMillis = (System.nanoTime() - nftStart) / 1_000_000;
        Map<DrainKey, Instant> drainingBefore = draining;
        long diffStart = System.nanoTime();
        IpvsPlan plan = ipvsPlanner.plan(want, have, drainingBefore, clock.instant());
        lastDiffMillis = (System.nanoTime() - diffStart) / 1_000_000;
        Map<DrainKey, Instant> nextDraining = new HashMap<>(draining);
        nextDraining.keySet().removeIf(dk -> want.containsKey(dk.service()) || have.containsKey(dk.service()));
        nextDraining.putAll(plan.draining());
        draining = nextDraining;
        long ipvsStart = System.nanoTime();
        List<IpvsFailure> failures = plan.operations().isEmpty() ? List.of() : ipvs.apply(plan.operations());
        lastIpvsMillis = (System.nanoTime() - ipvsStart) / 1_000_000;
        if (udpFlusher != null && !plan.removedUdp().isEmpty()) {
            udpFlusher.flush(plan.removedUdp());
        }
        for (IpvsFailure f : failures) {
            LOG.warn("ipvs operation failed op=\"{}\" errno={} reason={} message=\"{}\"", f.operation(), f.error().errno(),
                    f.error().reason(), f.error().kernelMessage());
            DesiredVirtualServer d = want.get(serviceOf(f.operation()));
            if (d != null) {
                // e.g. a GUE real server on a kernel before 5.2, or a scheduler module that is missing
                problems.add(new Problem(d.owner().service(), d.dsr() != null ? "DsrKernelError" : "KernelError",
                        "the kernel refused " + f.operation() + ": " + f.error().errno()
                                + (f.error().kernelMessage() == null ? "" : " (" + f.error().kernelMessage() + ")")
                                + "; retried at the next full resync"));
            }
        }
        if (dsrPass) {
            // Only now that IPVS no longer uses them: stale marks' rules, then receivers nobody needs.
            addressOps += dsrRouting.removeUnwanted(dsrMarks);
            if (dsrPods != null) {
                long before = dsrPods.writes();
                dsrPods.removeUnwanted(receivers);
                addressOps += (int) (dsrPods.writes() - before);
            }
            Set<VirtualServerKey.ByAddress> used = new HashSet<>();
            for (ServiceRef ref : dsrServices) {
                plans.get(ref).virtualServers().stream().filter(d -> d.dsr() != null).forEach(d -> used.add(d.dsr().service()));
            }
            marks.retainOnly(used);
            if (sloppy != null) {
                addressOps += sloppy.require(anyConsistentHashing());
            }
            dsrDirty = false;
            dsrFull = false;
        }
        // The cache follows what was asked for; a failed write makes it wrong until the next full resync dumps.
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
        if (nftError != null) {
            throw new IllegalStateException("nftables not updated (IPVS was): " + nftError.getMessage(), nftError);
        }
        return new SyncResult(plan.operations().size(), addressOps, failures, problems,
                Duration.ofNanos(System.nanoTime() - t0), draining.size());
    }

    private static VirtualServerKey serviceOf(IpvsOperation op) {
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

    /** What each local DSR endpoint pod's receiver must hold, from the DSR Services' plans. */
    private Map<InetAddress, DsrPods.Wanted> wantedReceivers() {
        Map<InetAddress, Set<InetAddress>> vips = new HashMap<>();
        Map<InetAddress, Encapsulation> encap = new HashMap<>();
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.dsr() == null || !d.equals(desired.get(d.server().key()))) {
                    continue;
                }
                for (InetAddress pod : d.dsr().localPods()) {
                    vips.computeIfAbsent(pod, p -> new HashSet<>()).add(d.dsr().service().address());
                    if (d.dsr().encapsulation() instanceof Encapsulation.Gue || !encap.containsKey(pod)) {
                        encap.put(pod, d.dsr().encapsulation());
                    }
                }
            }
        }
        Map<InetAddress, DsrPods.Wanted> out = new HashMap<>();
        vips.forEach((pod, v) -> out.put(pod, new DsrPods.Wanted(v, encap.get(pod))));
        return out;
    }

    /**
     * A pod whose receiver could not be set up gets no DSR traffic (it would be dropped): it leaves the real
     * servers of the virtual servers it is in, and their Services get a problem.
     */
    private void withoutFailedPods(Map<VirtualServerKey, DesiredVirtualServer> want, Map<InetAddress, String> failed,
            List<Problem> problems) {
        if (failed.isEmpty()) {
            return;
        }
        for (Map.Entry<VirtualServerKey, DesiredVirtualServer> e : want.entrySet()) {
            DesiredVirtualServer d = e.getValue();
            if (d.dsr() == null || java.util.Collections.disjoint(d.dsr().localPods(), failed.keySet())) {
                continue;
            }
            Set<io.kubedsr.ipvs.RealServer> reals = new java.util.LinkedHashSet<>();
            for (io.kubedsr.ipvs.RealServer r : d.realServers()) {
                String reason = failed.get(r.address());
                if (reason == null) {
                    reals.add(r);
                } else if (d.consistentHashing()) {
                    // Every node must hold the same real servers (the others cannot know): it stays, and its traffic is lost.
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

    private boolean anyConsistentHashing() {
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.consistentHashing() && d.equals(desired.get(d.server().key()))) {
                    return true;
                }
            }
        }
        return false;
    }

    private Map<AddressFamily, Set<Integer>> dsrMarksByFamily() {
        Map<AddressFamily, Set<Integer>> out = new HashMap<>();
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.server().key() instanceof VirtualServerKey.ByFwmark f && d.equals(desired.get(f))) {
                    out.computeIfAbsent(f.family(), x -> new HashSet<>()).add(f.fwmark());
                }
            }
        }
        return out;
    }

    private NftRules.Input nftInput() {
        Set<InetAddress> hairpin = new HashSet<>();
        Set<VirtualServerKey> keepSource = new HashSet<>();
        for (ServicePlan p : plans.values()) {
            keepSource.addAll(p.keepSource());
            if (p.hairpin()) {
                for (DesiredVirtualServer d : p.virtualServers()) {
                    d.realServers().forEach(r -> hairpin.add(r.address()));
                }
            }
        }
        List<DsrEntry> dsr = new ArrayList<>();
        Set<Integer> guePorts = new HashSet<>();
        if (config.overlayEncap() instanceof Encapsulation.Gue g) {
            guePorts.add(g.port());
        }
        for (ServiceRef ref : dsrServices) {
            for (DesiredVirtualServer d : plans.get(ref).virtualServers()) {
                if (d.server().key() instanceof VirtualServerKey.ByFwmark f && d.dsr() != null && d.equals(desired.get(f))) {
                    dsr.add(new DsrEntry(d.dsr().service(), f.fwmark(), d.dsr().encapsulation()));
                    if (d.dsr().encapsulation() instanceof Encapsulation.Gue g) {
                        guePorts.add(g.port());
                    }
                }
            }
        }
        return new NftRules.Input(desired.keySet(), keepSource, vips.held(), config.clusterCidr(), hairpin,
                config.masqueradeAll(), config.ipvsPermitAll(), dsr, linkMtu, guePorts);
    }

    /** What the kernel holds after the plan: the desired real servers plus those still draining. */
    private static RealizedVirtualServer asRealized(DesiredVirtualServer want, RealizedVirtualServer before, IpvsPlan plan) {
        List<RealServerStatus> reals = new ArrayList<>();
        for (var rs : want.realServers()) {
            reals.add(new RealServerStatus(rs, 0, 0, 0, io.kubedsr.ipvs.IpvsStats.ZERO));
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
        return new RealizedVirtualServer(want.server(), want.consistentHashing() ? MaglevOrder.kernelOrderOf(reals) : reals);
    }

    private Map<VirtualServerKey, RealizedVirtualServer> dumpOwned() {
        Map<VirtualServerKey, RealizedVirtualServer> out = new HashMap<>();
        Map<AddressFamily, Set<Integer>> ruleMarks = new HashMap<>();
        for (VirtualServerStatus vs : ipvs.virtualServers()) {
            VirtualServerKey key = vs.server().key();
            if (ownership.owns(key, vips.held()) || ownsDsr(key, ruleMarks)
                    || desired.containsKey(key) && !ownership.excluded(addressOf(key))) {
                out.put(key, new RealizedVirtualServer(vs.server(), withoutStats(ipvs.realServers(key))));
            }
        }
        return out;
    }

    /**
     * A fwmark service is kube-dsr's when its mark is in the DSR range and kube-dsr's nftables map or a DSR
     * policy rule of ours names it: marks are written before the IPVS service and removed after it, so a
     * crash in between still leaves a trace to find it by.
     */
    private boolean ownsDsr(VirtualServerKey key, Map<AddressFamily, Set<Integer>> ruleMarks) {
        if (!(key instanceof VirtualServerKey.ByFwmark f) || !DsrMarks.inRange(f.fwmark())) {
            return false;
        }
        return marks.isAssigned(f.fwmark())
                || ruleMarks.computeIfAbsent(f.family(), dsrRouting::ruleMarks).contains(f.fwmark());
    }

    /**
     * The real servers as the sync keeps them: connection counts (graceful termination reads them) without the
     * traffic counters, which metrics read separately; 100,000 of them are ~10 MB of heap kept for nothing.
     */
    private static List<RealServerStatus> withoutStats(List<RealServerStatus> dumped) {
        List<RealServerStatus> out = new ArrayList<>(dumped.size());
        for (RealServerStatus s : dumped) {
            out.add(new RealServerStatus(s.server(), s.activeConnections(), s.inactiveConnections(), s.persistentConnections(),
                    io.kubedsr.ipvs.IpvsStats.ZERO));
        }
        return out;
    }

    private static InetAddress addressOf(VirtualServerKey key) {
        return key instanceof VirtualServerKey.ByAddress a ? a.address() : AddressFamily.INET.anyAddress();
    }

    private boolean wantsVip(InetAddress vip) {
        return vipRefs.getOrDefault(vip, 0) > 0 && !ownership.excluded(vip);
    }

    /** Removes everything kube-dsr owns (--cleanup-config): its virtual servers and kube-dummy-if. */
    public int cleanup() {
        Link dummy = rtnl.link(DUMMY_LINK).orElse(null);
        if (dummy != null) {
            vips.useLink(dummy.index());
            vips.reload();
        }
        recoverMarks();
        List<IpvsOperation> ops = new ArrayList<>();
        Map<AddressFamily, Set<Integer>> ruleMarks = new HashMap<>();
        for (VirtualServerStatus vs : ipvs.virtualServers()) {
            if (ownership.owns(vs.server().key(), vips.held()) || ownsDsr(vs.server().key(), ruleMarks)) {
                ops.add(new IpvsOperation.DeleteVirtualServer(vs.server().key()));
            }
        }
        ipvs.apply(ops);
        int dsrOps = dsrRouting.removeUnwanted(Map.of());
        if (dsrPods != null) {
            dsrOps += dsrPods.removeEverywhere();
        }
        if (nft != null) {
            nft.delete();
        }
        if (dummy != null) {
            rtnl.deleteLink(dummy.index());
        }
        return ops.size() + dsrOps + (dummy != null ? 1 : 0);
    }

    /** The desired virtual server of this key and the Service port it serves, or null (metrics; kernel thread). */
    public DesiredVirtualServer desired(VirtualServerKey key) {
        return desired.get(key);
    }

    /** The virtual servers kube-dsr believes the kernel holds (for status and tests). */
    public Map<VirtualServerKey, RealizedVirtualServer> realized() {
        return Map.copyOf(realized);
    }
}
