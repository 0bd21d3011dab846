package io.kubedsr.proxy.plan;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.model.ServicePortKey;

/**
 * Firewall marks of the {@link ShortCircuit} fwmark services, one per Service port and family, in
 * {@code 0x4001..0x7FFF}: kube-dsr's (and kube-proxy's) masquerade bit 0x4000 with 1..0x3FFF below it, so they never
 * equal a DSR mark (1..0x3FFF) and a packet given one also carries the masquerade bit, which the postrouting rule
 * reads: traffic from the node itself is masqueraded, traffic from pods is not. The kernel knows them only through
 * the nftables map from each address to its mark: after a restart {@link #recover} remembers those, and a Service
 * port takes back the mark one of its addresses had.
 */
public final class ShortCircuitMarks {
    public static final int MASQUERADE_BIT = 0x4000;
    public static final int MIN = MASQUERADE_BIT | 1;
    public static final int MAX = MASQUERADE_BIT | 0x3FFF;

    /** A Service port in one family. */
    public record Key(ServicePortKey owner, AddressFamily family) {
    }

    private final MarkAllocator<Key> marks = new MarkAllocator<>(MIN, MAX, k -> k.owner() + "/" + k.family(), "short-circuit marks");
    /** Marks the kernel's map held after a restart, by client address, until the first plans have taken them. */
    private final Map<VirtualServerKey.ByAddress, Integer> recovered = new HashMap<>();

    /** Remembers the marks a restarted agent finds in its nftables map. */
    public void recover(Map<VirtualServerKey.ByAddress, Integer> found) {
        recovered.putAll(found);
    }

    /** The key's mark: the one it has, else one an address of it had before a restart, else a new one. */
    public int markFor(Key key, Collection<VirtualServerKey.ByAddress> addresses) {
        Integer known = marks.markOf(key);
        if (known != null) {
            return known;
        }
        for (VirtualServerKey.ByAddress a : addresses) {
            Integer before = recovered.get(a);
            if (before != null && marks.take(key, before)) {
                return before;
            }
        }
        return marks.markFor(key);
    }

    /** Forgets the marks of keys not in {@code used}, and what a restart recovered. */
    public void retainOnly(Set<Key> used) {
        marks.retainOnly(used);
        recovered.clear();
    }

    public Integer markOf(Key key) {
        return marks.markOf(key);
    }

    /** Whether the mark is assigned, or was found in the kernel's map and not yet given up (stale state to remove). */
    public boolean isKnown(int mark) {
        return marks.isAssigned(mark) || recovered.containsValue(mark);
    }

    public static boolean inRange(long mark) {
        return mark >= MIN && mark <= MAX;
    }
}
