package io.kubedsr.proxy.dsr;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.ArrayList;
import java.util.Comparator;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;

/**
 * Firewall marks for DSR services, one per address, protocol and port. A new service's mark starts at a hash
 * of its key and probes upwards to the next free value, so marks never collide (kube-router's hashed marks
 * could) and mostly stay the same across nodes. Marks live in {@code 1..0x3FFF}: clear of kube-proxy's masquerade bit
 * 0x4000 (which kube-dsr also uses) and drop bit 0x8000. A restarted agent first {@link #recover}s the marks the
 * kernel holds, so existing services keep theirs and a restart writes nothing.
 */
public final class DsrMarks {
    public static final int MIN = 1;
    public static final int MAX = 0x3FFF;

    private final Map<VirtualServerKey.ByAddress, Integer> byService = new HashMap<>();
    private final Map<Integer, VirtualServerKey.ByAddress> byMark = new HashMap<>();

    /** Takes over marks found in the kernel; a mark or service already known keeps its first assignment. */
    public void recover(Map<VirtualServerKey.ByAddress, Integer> found) {
        List<Map.Entry<VirtualServerKey.ByAddress, Integer>> entries = new ArrayList<>(found.entrySet());
        entries.sort(Comparator.comparing(e -> e.getKey().toString()));
        for (Map.Entry<VirtualServerKey.ByAddress, Integer> e : entries) {
            int mark = e.getValue();
            if (mark >= MIN && mark <= MAX && !byMark.containsKey(mark) && !byService.containsKey(e.getKey())) {
                byService.put(e.getKey(), mark);
                byMark.put(mark, e.getKey());
            }
        }
    }

    /** The service's mark, assigned now if it has none. */
    public int markFor(VirtualServerKey.ByAddress service) {
        Integer known = byService.get(service);
        if (known != null) {
            return known;
        }
        if (byMark.size() >= MAX - MIN + 1) {
            throw new IllegalStateException("all " + (MAX - MIN + 1) + " DSR marks are in use");
        }
        int mark = MIN + Math.floorMod(hash(service), MAX - MIN + 1);
        while (byMark.containsKey(mark)) {
            mark = mark == MAX ? MIN : mark + 1;
        }
        byService.put(service, mark);
        byMark.put(mark, service);
        return mark;
    }

    /** Forgets every mark whose service is not in {@code used}. */
    public void retainOnly(Set<VirtualServerKey.ByAddress> used) {
        byService.keySet().removeIf(k -> {
            if (used.contains(k)) {
                return false;
            }
            byMark.remove(byService.get(k));
            return true;
        });
    }

    public Map<VirtualServerKey.ByAddress, Integer> assigned() {
        return Map.copyOf(byService);
    }

    /** How many marks are assigned. */
    public int size() {
        return byService.size();
    }

    public boolean isAssigned(int mark) {
        return byMark.containsKey(mark);
    }

    public static boolean inRange(long mark) {
        return mark >= MIN && mark <= MAX;
    }

    /** FNV-1a over the key's text: stable across JVMs and restarts (String.hashCode would be too, but is weak). */
    static int hash(VirtualServerKey.ByAddress service) {
        String text = IpPrefix.format(service.address()) + "/" + service.protocol() + "/" + service.port();
        int h = 0x811c9dc5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x01000193;
        }
        return h;
    }
}
