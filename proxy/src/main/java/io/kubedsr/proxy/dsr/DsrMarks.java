package io.kubedsr.proxy.dsr;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.plan.MarkAllocator;

/**
 * Firewall marks for DSR services, one per address, protocol and port ({@link MarkAllocator}: hashed, probed to the
 * next free value, so marks never collide, which kube-router's hashed marks could). Marks live in
 * {@code 1..0x3FFF}: clear of kube-proxy's masquerade bit 0x4000 (which kube-dsr also uses) and drop bit 0x8000.
 * A restarted agent first {@link #recover}s the marks the kernel holds, so existing services keep theirs and a
 * restart writes nothing.
 */
public final class DsrMarks {
    public static final int MIN = 1;
    public static final int MAX = 0x3FFF;

    private final MarkAllocator<VirtualServerKey.ByAddress> marks = new MarkAllocator<>(MIN, MAX, DsrMarks::text, "DSR marks");

    /** Takes over marks found in the kernel; a mark or service already known keeps its first assignment. */
    public void recover(Map<VirtualServerKey.ByAddress, Integer> found) {
        List<Map.Entry<VirtualServerKey.ByAddress, Integer>> entries = new ArrayList<>(found.entrySet());
        entries.sort(Comparator.comparing(e -> e.getKey().toString()));
        for (Map.Entry<VirtualServerKey.ByAddress, Integer> e : entries) {
            marks.take(e.getKey(), e.getValue());
        }
    }

    /** The service's mark, assigned now if it has none. */
    public int markFor(VirtualServerKey.ByAddress service) {
        return marks.markFor(service);
    }

    /** Forgets every mark whose service is not in {@code used}. */
    public void retainOnly(Set<VirtualServerKey.ByAddress> used) {
        marks.retainOnly(used);
    }

    public Map<VirtualServerKey.ByAddress, Integer> assigned() {
        return marks.assigned();
    }

    /** How many marks are assigned. */
    public int size() {
        return marks.assigned().size();
    }

    public boolean isAssigned(int mark) {
        return marks.isAssigned(mark);
    }

    public static boolean inRange(long mark) {
        return mark >= MIN && mark <= MAX;
    }

    private static String text(VirtualServerKey.ByAddress service) {
        return IpPrefix.format(service.address()) + "/" + service.protocol() + "/" + service.port();
    }
}
