package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.ipvs.IpvsTimeouts;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.dsr.DsrReconciler;
import io.kubedsr.proxy.encap.ReceivePorts;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;
import io.kubedsr.proxy.nft.NftInputs;
import io.kubedsr.proxy.nft.NftRules;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.IpvsPlanner;
import io.kubedsr.proxy.plan.RealizedVirtualServer;
import io.kubedsr.proxy.plan.ServicePlan;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.plan.TableChange;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * Turns Services into kernel state. A sync puts the re-planned Services into the {@link ServiceTable}, which says
 * what that touched, then runs the same steps for every kind of sync:
 * <ol>
 * <li>VIPs: their local routes through kube-dummy-if ({@link VipRoutes}), for the touched VIPs;</li>
 * <li>DSR before IPVS ({@link DsrReconciler#before}: receivers, rules);</li>
 * <li>nftables, when its inputs changed;</li>
 * <li>IPVS ({@link IpvsWriter}: diff of the touched virtual servers against what the kernel holds);</li>
 * <li>DSR after IPVS (stale rules and receivers, released marks).</li>
 * </ol>
 * An incremental sync touches only the changed Services' objects; a full resync re-plans everything, dumps what
 * kube-dsr owns ({@link Ownership}) and repairs drift; the first one adopts what matches, so a restart with
 * unchanged inputs writes nothing. Runs on the kernel thread only; its inputs arrive in a {@link ServiceSnapshot}.
 */
public final class SyncEngine {
    public static final String DUMMY_LINK = "kube-dummy-if";
    /** Virtual servers read per batch of a verification step (the step's budget is checked between batches). */
    private static final int VERIFY_BATCH = 32;
    private static final Logger LOG = LoggerFactory.getLogger(SyncEngine.class);

    private final AgentConfig config;
    private final ServiceKernel kernel;
    private final ServiceTable table = new ServiceTable(new DsrMarks());
    private final IpvsWriter ipvs;
    private final VipRoutes vips;
    private final DsrReconciler dsr;
    private final Ownership ownership;
    /** Every address NodePorts were served on by this agent: those on an old address stay ours until removed. */
    private final Set<InetAddress> nodePortAddresses = new HashSet<>();
    private NodeInfo node = new NodeInfo("", List.of(), List.of());
    private Set<InetAddress> clusterNodeAddresses = Set.of();
    private ServicePlanner planner;
    /** A verification in progress: the virtual servers it has yet to read, and the kernel's list it started from. */
    private final ArrayDeque<VirtualServerKey> toVerify = new ArrayDeque<>();
    private Map<VirtualServerKey, VirtualServer> listed = Map.of();
    /** The nftables table must be rendered again: virtual servers, VIPs or hairpin endpoints changed. */
    private boolean nftDirty = true;
    private int linkMtu = 1500;

    public SyncEngine(AgentConfig config, ServiceKernel kernel, Clock clock) {
        this.config = config;
        this.kernel = kernel;
        this.ipvs = new IpvsWriter(kernel.ipvs(), new IpvsPlanner(config.ipvsGracefulTermination(), config.ipvsGracefulPeriod()),
                kernel.conntrack(), clock, key -> table.winner(key));
        this.vips = new VipRoutes(kernel.routing(), () -> node.addresses());
        this.dsr = new DsrReconciler(kernel.routing(), kernel.pods(), kernel.sloppy(), ReceivePorts.receivers(config));
        this.ownership = new Ownership(config.excludedCidrs());
    }

    /**
     * Creates kube-dummy-if if missing and applies the IPVS timeouts from the flags; writes nothing else. {@code self}
     * may be known only later (the agent starts before its Node is listed): the syncs' snapshots bring it.
     */
    public void start(NodeInfo self) {
        inputs(self, Set.of());
        Link dummy = kernel.routing().link(DUMMY_LINK).orElse(null);
        if (dummy == null) {
            dummy = kernel.routing().addLink(DUMMY_LINK, new LinkKind.Dummy());
            LOG.info("created link={} index={}", DUMMY_LINK, dummy.index());
        }
        if (!dummy.isUp()) {
            kernel.routing().setUp(dummy.index());
        }
        vips.useLink(dummy.index());
        IpvsTimeouts wanted = new IpvsTimeouts((int) config.serviceTcpTimeout().toSeconds(),
                (int) config.serviceTcpFinTimeout().toSeconds(), (int) config.serviceUdpTimeout().toSeconds());
        IpvsTimeouts current = kernel.ipvs().timeouts();
        IpvsTimeouts merged = new IpvsTimeouts(wanted.tcp() == 0 ? current.tcp() : wanted.tcp(),
                wanted.tcpFin() == 0 ? current.tcpFin() : wanted.tcpFin(), wanted.udp() == 0 ? current.udp() : wanted.udp());
        if (!current.equals(merged)) {
            kernel.ipvs().setTimeouts(wanted);
        }
    }

    /** The MTU of the link holding this node's address (what DSR's MSS clamp is computed from); 1500 if unknown. */
    private int nodeLinkMtu() {
        for (Address a : kernel.routing().addresses(AddressFamily.UNSPEC)) {
            if (node.addresses().contains(a.address())) {
                int mtu = kernel.routing().link(a.linkIndex()).map(Link::mtu).orElse(0);
                if (mtu > 0) {
                    return mtu;
                }
            }
        }
        return 1500;
    }

    /** This node and every node's addresses, as the snapshot has them: the planner follows them. */
    private void inputs(NodeInfo self, Set<InetAddress> cluster) {
        if (planner != null && self.equals(node) && cluster.equals(clusterNodeAddresses)) {
            return;
        }
        boolean moved = !self.addresses().equals(node.addresses());
        node = self;
        if (!cluster.equals(clusterNodeAddresses)) {
            kernel.pods().allowEncapsulationFrom(cluster); // the receivers' guards (docs/security.md)
        }
        clusterNodeAddresses = cluster;
        if (moved) {
            int mtu = nodeLinkMtu();
            nftDirty |= mtu != linkMtu; // DSR's MSS clamp follows the link
            linkMtu = mtu;
        }
        planner = new ServicePlanner(config, self, cluster::contains);
        nodePortAddresses.addAll(self.addresses());
        if (config.nodePortBindOnAllIp()) {
            nodePortAddresses.addAll(self.allLocalAddresses());
        }
    }

    /** Re-plans the given Services (absent from the snapshot: deleted) and writes only what differs. */
    public SyncResult syncServices(Collection<ServiceRef> changed, ServiceSnapshot snapshot) {
        long t0 = System.nanoTime();
        inputs(snapshot.node(), snapshot.clusterNodeAddresses());
        Map<ServiceRef, ServicePlan> batch = new LinkedHashMap<>();
        for (ServiceRef ref : changed) {
            ServiceView svc = snapshot.model().service(ref).orElse(null);
            batch.put(ref, svc == null ? null : plan(ref, svc, snapshot, table.plan(ref)));
        }
        TableChange change = table.update(batch); // conflicts judged once for the batch
        if (change.dsr()) {
            dsr.changed(false);
        }
        nftDirty |= change.nft() || change.dsr();
        if (!toVerify.isEmpty()) {
            toVerify.removeIf(change.keys()::contains); // written just now, against the cache: nothing to read back
        }
        long planned = System.nanoTime();
        int addressOps = vips.sync(change.vips(), this::wantsVip);
        long vipsDone = System.nanoTime();
        Map<VirtualServerKey, DesiredVirtualServer> want = new LinkedHashMap<>();
        for (VirtualServerKey k : change.keys()) {
            DesiredVirtualServer d = table.winner(k);
            if (d != null) {
                want.put(k, d);
            }
        }
        return apply(want, ipvs.realizedOf(change.keys()), change.problems(), addressOps, t0,
                new SyncPhases(0, planned - t0, 0, vipsDone - planned, 0, 0, 0, 0));
    }

    /** Re-plans everything, dumps what kube-dsr owns and repairs drift. */
    public SyncResult fullResync(ServiceSnapshot snapshot) {
        long t0 = System.nanoTime();
        inputs(snapshot.node(), snapshot.clusterNodeAddresses());
        toVerify.clear(); // a full resync reads everything
        dsr.recoverMarks(table, kernel.nft());
        long recovered = System.nanoTime();
        Map<ServiceRef, ServicePlan> before = table.plansByService();
        table.clear();
        List<ServiceRef> refs = new ArrayList<>(snapshot.model().services());
        refs.sort(null);
        Map<ServiceRef, ServicePlan> batch = new LinkedHashMap<>();
        for (ServiceRef ref : refs) {
            batch.put(ref, plan(ref, snapshot.model().service(ref).orElseThrow(), snapshot, before.get(ref)));
        }
        TableChange change = table.update(batch); // conflicts judged once, not at every put
        long planned = System.nanoTime();
        vips.reload();
        // Dump before the VIPs change: a virtual server on a VIP about to leave kube-dummy-if (its Service was
        // deleted while the agent was down) is recognised as ours only while the VIP is still there.
        Ownership.Evidence evidence = evidence();
        ipvs.reload(key -> ownership.owns(key, evidence));
        long dumped = System.nanoTime();
        Set<InetAddress> everyVip = new HashSet<>(vips.held());
        everyVip.addAll(table.vips());
        int addressOps = vips.sync(everyVip, this::wantsVip);
        long vipsDone = System.nanoTime();
        dsr.changed(true);
        nftDirty = true;
        SyncResult r = apply(new LinkedHashMap<>(table.winners()), ipvs.realizedAll(), change.problems(), addressOps, t0,
                new SyncPhases(recovered - t0, planned - recovered, dumped - planned, vipsDone - dumped, 0, 0, 0, 0));
        LOG.info("full resync phases: {} total_ms={} (services={} virtual_servers={})", r.phases().describe(),
                r.elapsed().toMillis(), table.plans().size(), table.winners().size());
        return r;
    }

    /**
     * The periodic resync, in steps that leave room for incremental syncs between them (a full resync reads all
     * 10,000 virtual servers' real servers in one go: 12 s in the emulated VM, during which no change is programmed).
     * The first step ({@code start}) lists the kernel's virtual servers (one dump), repairs the VIPs' routes, DSR's rules
     * and receivers and the nftables table, and queues every virtual server that the kernel, the table or the cache
     * has; each step then reads the real servers of the next ones until {@code budget} is spent, and writes what
     * differs from the table. A virtual server an incremental sync writes meanwhile leaves the queue. The table is not
     * re-planned: incremental syncs keep it current (a change of this node or of the flags asks for a full resync).
     * {@link SyncResult#verificationLeft()} says how many virtual servers are left.
     */
    public SyncResult verify(boolean start, Duration budget) {
        long t0 = System.nanoTime();
        long listedAt = t0;
        long vipsAt = t0;
        int addressOps = 0;
        if (start) {
            toVerify.clear();
            vips.reload();
            Ownership.Evidence evidence = evidence();
            listed = ipvs.listOwned(key -> ownership.owns(key, evidence));
            Set<VirtualServerKey> keys = new LinkedHashSet<>(listed.keySet());
            keys.addAll(table.winners().keySet());
            keys.addAll(ipvs.cachedKeys());
            toVerify.addAll(keys);
            listedAt = System.nanoTime();
            Set<InetAddress> everyVip = new HashSet<>(vips.held());
            everyVip.addAll(table.vips());
            addressOps = vips.sync(everyVip, this::wantsVip);
            vipsAt = System.nanoTime();
            dsr.changed(true);
            nftDirty = true;
        }
        Map<VirtualServerKey, DesiredVirtualServer> want = new LinkedHashMap<>();
        Map<VirtualServerKey, RealizedVirtualServer> have = new LinkedHashMap<>();
        if (start) {
            // The DSR virtual servers in the first step, whatever their number: its DSR pass takes a pod whose
            // receiver failed out of the virtual servers it is given, as a full resync's does for all.
            List<VirtualServerKey> dsrKeys = new ArrayList<>();
            for (DesiredVirtualServer d : table.dsrWinners()) {
                dsrKeys.add(d.server().key());
                want.put(d.server().key(), d);
            }
            toVerify.removeAll(new HashSet<>(dsrKeys));
            have.putAll(ipvs.reread(dsrKeys, listed));
        }
        long deadline = System.nanoTime() + budget.toNanos();
        boolean first = true; // every step reads one batch at least
        while (!toVerify.isEmpty() && (first || System.nanoTime() < deadline)) {
            first = false;
            List<VirtualServerKey> batch = new ArrayList<>();
            while (!toVerify.isEmpty() && batch.size() < VERIFY_BATCH) {
                batch.add(toVerify.poll());
            }
            have.putAll(ipvs.reread(batch, listed));
            for (VirtualServerKey k : batch) {
                DesiredVirtualServer d = table.winner(k);
                if (d != null) {
                    want.put(k, d);
                }
            }
        }
        long readAt = System.nanoTime();
        if (toVerify.isEmpty()) {
            listed = Map.of();
        }
        return apply(want, have, List.of(), addressOps, t0,
                new SyncPhases(0, 0, listedAt - t0 + readAt - vipsAt, vipsAt - listedAt, 0, 0, 0, 0));
    }

    /**
     * Graceful termination's follow-up: reads the connection counts of the virtual servers with draining real
     * servers and deletes those that are idle or past the grace period.
     */
    public SyncResult refreshDraining() {
        long t0 = System.nanoTime();
        Map<VirtualServerKey, RealizedVirtualServer> have = ipvs.drainingNow();
        long read = System.nanoTime();
        Map<VirtualServerKey, DesiredVirtualServer> want = new LinkedHashMap<>();
        have.keySet().forEach(k -> {
            DesiredVirtualServer d = table.winner(k);
            if (d != null) {
                want.put(k, d);
            }
        });
        List<Problem> problems = new ArrayList<>();
        IpvsWriter.Written w = ipvs.write(want, have, problems);
        return new SyncResult(w.operations(), 0, w.failures(), problems, Duration.ofNanos(System.nanoTime() - t0),
                new SyncPhases(0, 0, read - t0, 0, 0, 0, w.diffNanos(), w.writeNanos()), ipvs.draining(), table.hasDsrServices(),
                toVerify.size());
    }

    /** DSR before IPVS, nftables, IPVS, DSR after IPVS: the steps every sync runs; {@code before}: the phases so far. */
    private SyncResult apply(Map<VirtualServerKey, DesiredVirtualServer> want, Map<VirtualServerKey, RealizedVirtualServer> have,
            List<Problem> found, int addressOps, long t0, SyncPhases before) {
        List<Problem> problems = new ArrayList<>(found);
        long dsrStart = System.nanoTime();
        DsrReconciler.Pass pass = dsr.before(table, want, problems);
        addressOps += pass.writes();
        RuntimeException nftError = null;
        long nftStart = System.nanoTime();
        if (nftDirty) {
            // Rendering is O(all services): done only when the sets can have changed, not for endpoint churn.
            try {
                if (kernel.nft().apply(NftRules.render(NftInputs.of(config, table, vips.held(), linkMtu)))) {
                    addressOps++;
                }
                nftDirty = false;
            } catch (RuntimeException e) {
                nftError = e; // IPVS is still programmed; the sync fails afterwards and is retried
            }
        }
        long nftNanos = System.nanoTime() - nftStart;
        IpvsWriter.Written written = ipvs.write(want, have, problems);
        long dsrAfter = System.nanoTime();
        addressOps += dsr.after(table, pass);
        long end = System.nanoTime();
        if (nftError != null) {
            throw new IllegalStateException("nftables not updated (IPVS was): " + nftError.getMessage(), nftError);
        }
        SyncPhases phases = new SyncPhases(before.marks(), before.plan(), before.dump(), before.vips(),
                nftStart - dsrStart + end - dsrAfter, nftNanos, written.diffNanos(), written.writeNanos());
        return new SyncResult(written.operations(), addressOps, written.failures(), problems, Duration.ofNanos(end - t0), phases,
                ipvs.draining(), table.hasDsrServices(), toVerify.size());
    }

    /**
     * One Service's plan, in isolation: whatever goes wrong planning it is that Service's problem (logged, an
     * Event) and it keeps the plan it had, so the kernel state it is served by is not lost; the others are planned
     * as usual. {@code previous}: its plan before this sync, or null.
     */
    private ServicePlan plan(ServiceRef ref, ServiceView svc, ServiceSnapshot snapshot, ServicePlan previous) {
        try {
            List<SliceView> slices = snapshot.model().slices(ref);
            for (SliceView s : slices) {
                if (s.unreadable() != null) {
                    throw new IllegalStateException(s.unreadable());
                }
            }
            if (svc.unreadable() != null) {
                throw new IllegalStateException(svc.unreadable());
            }
            return planner.plan(svc, slices);
        } catch (RuntimeException e) {
            LOG.error("planning service={} failed; it keeps what it had", ref, e);
            Problem p = new Problem(ref, "PlanningFailed", "kube-dsr could not plan this Service (" + e
                    + "); it is served as before this change");
            return previous == null ? ServicePlan.empty(ref).withProblem(p) : previous.withProblem(p);
        }
    }

    /** The sync's view of what is ours: the VIPs it holds, the NodePort addresses, its marks and rules, what it wants. */
    private Ownership.Evidence evidence() {
        Map<AddressFamily, Set<Integer>> ruleMarks = new EnumMap<>(AddressFamily.class);
        return new Ownership.Evidence() {
            @Override
            public boolean onDummyLink(InetAddress address) {
                return vips.held().contains(address);
            }

            @Override
            public boolean nodePortAddress(InetAddress address) {
                return nodePortAddresses.contains(address);
            }

            @Override
            public boolean markNamed(AddressFamily family, int mark) {
                return table.marks().isAssigned(mark) || table.shortCircuitMarks().isKnown(mark)
                        || ruleMarks.computeIfAbsent(family, dsr::ruleMarks).contains(mark);
            }

            @Override
            public boolean wanted(VirtualServerKey key) {
                return table.winner(key) != null;
            }
        };
    }

    private boolean wantsVip(InetAddress vip) {
        return table.wantsVip(vip) && !ownership.excluded(vip);
    }

    /** The desired virtual server of this key and the Service port it serves, or null (metrics; kernel thread). */
    public DesiredVirtualServer desired(VirtualServerKey key) {
        return table.winner(key);
    }

    /**
     * How many entries each of its caches holds, by name: the table, the cache of the kernel's IPVS, the VIPs, DSR's
     * rules and pod receivers, the NodePort addresses. Steady while the cluster is (the agent's cache gauge).
     */
    public Map<String, Integer> cacheSizes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        table.cacheSizes(out);
        ipvs.cacheSizes(out);
        vips.cacheSizes(out);
        dsr.cacheSizes(out);
        out.put("node_port_addresses", nodePortAddresses.size());
        return out;
    }

    /** The virtual servers kube-dsr believes the kernel holds (for status and tests). */
    public Map<VirtualServerKey, RealizedVirtualServer> realized() {
        return Map.copyOf(ipvs.realizedAll());
    }
}
