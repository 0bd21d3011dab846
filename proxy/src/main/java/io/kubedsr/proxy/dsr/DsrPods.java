package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.proxy.encap.ReceiverGuards;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.tunnel.DsrReceivers;
import io.kubedsr.tunnel.FouClient;

/**
 * The DSR receivers of this node's pods: for each local endpoint pod of a DSR service, the pod's namespace is
 * found by its IP and its receiver made to hold exactly the VIPs it serves (tunnel module). Only what changed
 * since the last call is touched, unless a full pass is asked for. Runs on the kernel thread.
 */
public final class DsrPods implements PodReceivers {
    private static final Logger LOG = LoggerFactory.getLogger(DsrPods.class);

    private final PodFinder finder;
    private final DsrReceivers receivers;
    private final ReceiverGuards guards;
    private final Map<InetAddress, ReceiverSpec> applied = new HashMap<>();
    private final Map<InetAddress, PodNamespaces.PodNamespace> where = new HashMap<>();

    private final NetworkNamespace node;
    private final SysctlDirectory sysctls;
    private boolean rpFilterDone;
    private boolean rpFilterFailed;
    private boolean gueSeen;
    private long extraWrites;

    /**
     * {@code node}: the node's namespace, whose reverse-path filter must let DSR replies through (null: none);
     * {@code sysctls}: where the node's and the pods' sysctls are written (--sysctl-dir).
     */
    public DsrPods(PodFinder finder, NetworkNamespace node, SysctlDirectory sysctls) {
        this.finder = finder;
        this.node = node;
        this.sysctls = sysctls;
        this.guards = new ReceiverGuards(node);
        this.receivers = new DsrReceivers(sysctls);
    }

    /**
     * Every Node's addresses (from the Node informer): with this node's own, the only sources a receiver's guard
     * lets encapsulated packets in from (docs/security.md). Takes effect at the next full pass.
     */
    @Override
    public void allowEncapsulationFrom(Set<InetAddress> nodeAddresses) {
        guards.clusterNodes(nodeAddresses);
    }

    /**
     * The node forwards its pods' DSR replies, sourced from a VIP that is routed elsewhere: strict reverse-path
     * filtering (rp_filter 1, the kernel checks the reply came in on the route back to its source) drops them,
     * loose (2) lets them through. The effective value per interface is the maximum of "all" and the
     * interface's, so loosening "all" is enough. Done once, the first time this node has a DSR pod; when the
     * write fails (a read-only /proc/sys), logged and tried again at the next full pass, the receivers made all
     * the same.
     */
    private void loosenRpFilter(boolean full) {
        if (node == null || rpFilterDone || rpFilterFailed && !full) {
            return;
        }
        String key = "net/ipv4/conf/all/rp_filter";
        try {
            if ("1".equals(node.readSysctl(sysctls, key))) {
                node.writeSysctl(sysctls, key, "2");
                extraWrites++;
                LOG.info("set {}=2 (loose): this node's pods answer DSR clients with the VIP as source", key);
            }
            rpFilterDone = true;
            rpFilterFailed = false;
        } catch (RuntimeException e) {
            rpFilterFailed = true;
            LOG.warn("{}=2 (loose) not set, so this node drops its pods' DSR replies while its rp_filter is strict: {}."
                    + " The agent writes sysctls through --sysctl-dir={}, which must be writable (a container that is not"
                    + " privileged: the host's /proc/sys mounted writable, as the DaemonSets of deploy/ do)", key, e.getMessage(),
                    sysctls);
        }
    }

    @Override
    public Map<String, Integer> cacheSizes() {
        Map<String, Integer> out = new LinkedHashMap<>();
        out.put("receivers_applied", applied.size());
        out.put("receiver_namespaces", where.size());
        out.put("receiver_guards", guards.size());
        finder.cacheSizes(out);
        return out;
    }

    @Override
    public long writes() {
        return receivers.writes().total() + extraWrites;
    }

    @Override
    public Map<InetAddress, String> ensure(Map<InetAddress, ReceiverSpec> wanted, boolean full) {
        Map<InetAddress, String> failed = new LinkedHashMap<>();
        if (!wanted.isEmpty()) {
            loosenRpFilter(full);
        }
        Set<InetAddress> sources = null; // read once per pass, when a receiver is touched
        for (Map.Entry<InetAddress, ReceiverSpec> e : wanted.entrySet()) {
            InetAddress pod = e.getKey();
            if (!full && e.getValue().equals(applied.get(pod)) && where.containsKey(pod)) {
                continue;
            }
            Optional<PodNamespaces.PodNamespace> ns = finder.find(pod);
            if (ns.isEmpty()) {
                int holders = finder.holders(pod);
                failed.put(pod, holders > 1 ? holders + " network namespaces on this node hold pod IP " + IpPrefix.format(pod)
                        + "; the agent does not guess which is the pod's (docs/security.md)"
                        : "no network namespace on this node holds pod IP " + IpPrefix.format(pod)
                        + " (the agent needs hostPID and /run/netns)");
                applied.remove(pod);
                continue;
            }
            try (NetworkNamespace namespace = ns.get().open()) {
                if (sources == null) {
                    sources = guards.sources();
                }
                // The guard first: a receiver must never exist without it.
                guards.ensure(namespace, pod, sources, e.getValue().guePorts(), full);
                receivers.ensure(namespace, pod, e.getValue().vips(), e.getValue().guePorts());
                applied.put(pod, e.getValue());
                where.put(pod, ns.get());
            } catch (RuntimeException ex) {
                LOG.warn("dsr receiver pod={} failed: {}", IpPrefix.format(pod), ex.toString());
                failed.put(pod, "DSR receiver in pod " + IpPrefix.format(pod) + " failed: " + ex.getMessage());
                applied.remove(pod);
                guards.forget(pod);
                finder.invalidate(pod);
            }
        }
        return failed;
    }

    /** Asks the kernel until the fou family is there (one generic netlink lookup each time), then no more. */
    @Override
    public boolean gueSupported() {
        if (!gueSeen) {
            try (NetlinkConnection generic = node == null ? NetlinkConnection.open(NetlinkProtocol.GENERIC)
                    : node.openConnection(NetlinkProtocol.GENERIC)) {
                gueSeen = FouClient.available(generic);
            }
        }
        return gueSeen;
    }

    /** Removes the receivers of pods that are no longer wanted (when their namespace still holds the pod IP). */
    @Override
    public int removeUnwanted(Map<InetAddress, ReceiverSpec> wanted) {
        int removed = 0;
        for (InetAddress pod : Set.copyOf(where.keySet())) {
            if (wanted.containsKey(pod)) {
                continue;
            }
            PodNamespaces.PodNamespace found = where.remove(pod);
            applied.remove(pod);
            try (NetworkNamespace namespace = found.open()) {
                // Checked where the pod was, not looked up: a pod that is gone must not cost a scan of every namespace.
                if (PodNamespaces.holds(namespace, pod)) {
                    receivers.remove(namespace, AddressFamily.of(pod));
                    removed++;
                    if (!hasLink(namespace, AddressFamily.INET) && !hasLink(namespace, AddressFamily.INET6)) {
                        guards.remove(namespace, pod); // a dual-stack pod's other receiver keeps it
                    }
                }
                guards.forget(pod);
            } catch (RuntimeException ex) {
                LOG.debug("dsr receiver of pod={} not removed (pod gone?): {}", IpPrefix.format(pod), ex.toString());
            }
        }
        return removed;
    }

    @Override
    public int removeEverywhere() {
        int removed = 0;
        for (PodNamespaces.PodNamespace found : finder.allNamespaces()) {
            try (NetworkNamespace namespace = found.open()) {
                boolean any = false;
                for (AddressFamily f : new AddressFamily[] {AddressFamily.INET, AddressFamily.INET6}) {
                    if (!receivers.vips(namespace, f).isEmpty() || hasLink(namespace, f)) {
                        receivers.remove(namespace, f);
                        removed++;
                        any = true;
                    }
                }
                if (any) {
                    guards.remove(namespace, null);
                }
            } catch (RuntimeException ex) {
                LOG.debug("namespace {} skipped: {}", found.path(), ex.toString());
            }
        }
        return removed;
    }

    @Override
    public Optional<ReceiverSpec> read(InetAddress pod) {
        Optional<PodNamespaces.PodNamespace> ns = finder.find(pod);
        if (ns.isEmpty()) {
            return Optional.empty();
        }
        AddressFamily family = AddressFamily.of(pod);
        try (NetworkNamespace namespace = ns.get().open()) {
            return receivers.guePorts(namespace, family).map(ports -> new ReceiverSpec(receivers.vips(namespace, family), ports));
        }
    }

    private static boolean hasLink(NetworkNamespace ns, AddressFamily f) {
        try (Rtnetlink rtnl = ns.openRtnetlink()) {
            return rtnl.link(DsrReceivers.linkName(f)).isPresent();
        }
    }
}
