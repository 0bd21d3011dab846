package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.List;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Rule;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.dsr.DsrRouting;
import io.kubedsr.proxy.plan.ShortCircuitMarks;

/**
 * What in the kernel is kube-dsr's: one rule, decided from kernel state so a restarted agent, {@code
 * --cleanup-config} and {@code kube-dsr status} all answer alike; each gives it the {@link Evidence} it has.
 * <ul>
 * <li>Nothing inside {@code --excluded-cidrs} is ours.</li>
 * <li>A virtual server on an address is ours when the address is made local through kube-dummy-if (a local route
 * through it, or an address on it as kube-router leaves them), or when it is a NodePort: a
 * port in {@value #NODE_PORT_MIN}-{@value #NODE_PORT_MAX} on one of the node's NodePort addresses.</li>
 * <li>A fwmark virtual server is ours when its mark is a DSR mark ({@link DsrMarks#inRange}) or a short-circuit mark
 * ({@link ShortCircuitMarks#inRange}) that one of kube-dsr's nftables mark maps or one of its policy rules names.
 * Marks are written before the IPVS service and removed after it, so a crash in between still leaves the trace it
 * is found by; kube-router's fwmark services (marks outside the ranges, or named by no map or rule of ours) are not
 * ours.</li>
 * <li>A policy rule is ours when it has kube-dsr's priority and table (DSR's), the full mask and a mark of either
 * range.</li>
 * <li>For the running agent only: a virtual server it wants (outside the excluded ranges) is adopted too.</li>
 * </ul>
 * Everything else (keepalived, another proxy) is left alone.
 */
public final class Ownership {
    public static final int NODE_PORT_MIN = 30000;
    public static final int NODE_PORT_MAX = 32767;
    private static final long FULL_MASK = 0xFFFFFFFFL;

    /** What the kernel (or the agent) shows about an object's owner. */
    public interface Evidence {
        /** The address is made local through kube-dummy-if (a local route through it, or an address on it). */
        boolean onDummyLink(InetAddress address);

        /** The address is one NodePorts are served on. */
        boolean nodePortAddress(InetAddress address);

        /** One of kube-dsr's mark maps (DSR, short circuits) or one of its policy rules names the mark. */
        boolean markNamed(AddressFamily family, int mark);

        /** The running agent wants this virtual server now (false for tools that only read). */
        default boolean wanted(VirtualServerKey key) {
            return false;
        }
    }

    private final List<IpPrefix> excluded;

    public Ownership(List<IpPrefix> excluded) {
        this.excluded = List.copyOf(excluded);
    }

    public boolean owns(VirtualServerKey key, Evidence evidence) {
        if (key instanceof VirtualServerKey.ByFwmark f) {
            return markInRange(f.fwmark()) && (evidence.markNamed(f.family(), f.fwmark()) || evidence.wanted(key));
        }
        VirtualServerKey.ByAddress a = (VirtualServerKey.ByAddress) key;
        if (excluded(a.address())) {
            return false;
        }
        return evidence.onDummyLink(a.address()) || evidence.nodePortAddress(a.address()) && isNodePort(a.port())
                || evidence.wanted(key);
    }

    public boolean excluded(InetAddress address) {
        for (IpPrefix p : excluded) {
            if (p.contains(address)) {
                return true;
            }
        }
        return false;
    }

    public static boolean isNodePort(int port) {
        return port >= NODE_PORT_MIN && port <= NODE_PORT_MAX;
    }

    /** {@code ip rule prio 32764 fwmark M/0xffffffff lookup 78} with M a DSR or short-circuit mark. */
    public static boolean isDsrRule(Rule r) {
        return r.priority() == DsrRouting.RULE_PRIORITY && r.table() == DsrRouting.TABLE && r.fwmask() == FULL_MASK
                && markInRange(r.fwmark());
    }

    /** A mark kube-dsr gives: a DSR mark or a short-circuit mark. */
    public static boolean markInRange(long mark) {
        return DsrMarks.inRange(mark) || ShortCircuitMarks.inRange(mark);
    }
}
