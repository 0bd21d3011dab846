package io.kubedsr.proxy.plan;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Firewall marks in {@code min..max}, one per key: a new key's mark starts at a hash of its text and probes upwards
 * to the next free value, so marks never collide and mostly stay the same across nodes and restarts. Marks taken
 * over from the kernel ({@link #take}) keep their values. Not thread-safe; pure.
 */
public final class MarkAllocator<K> {
    private final int min;
    private final int max;
    private final Function<K, String> text;
    private final String what;
    private final Map<K, Integer> byKey = new HashMap<>();
    private final Map<Integer, K> byMark = new HashMap<>();

    /** {@code text}: a stable text of a key (hashed for its first mark); {@code what}: the marks' name in errors. */
    public MarkAllocator(int min, int max, Function<K, String> text, String what) {
        this.min = min;
        this.max = max;
        this.text = text;
        this.what = what;
    }

    /** Gives {@code key} the mark {@code mark} if both are free and the mark is in range; returns whether it did. */
    public boolean take(K key, int mark) {
        if (mark < min || mark > max || byMark.containsKey(mark) || byKey.containsKey(key)) {
            return false;
        }
        byKey.put(key, mark);
        byMark.put(mark, key);
        return true;
    }

    /** The key's mark, or null when it has none. */
    public Integer markOf(K key) {
        return byKey.get(key);
    }

    /** The key's mark, assigned now if it has none. */
    public int markFor(K key) {
        Integer known = byKey.get(key);
        if (known != null) {
            return known;
        }
        if (byMark.size() >= max - min + 1) {
            throw new IllegalStateException("all " + (max - min + 1) + " " + what + " are in use");
        }
        int mark = min + Math.floorMod(hash(text.apply(key)), max - min + 1);
        while (byMark.containsKey(mark)) {
            mark = mark == max ? min : mark + 1;
        }
        byKey.put(key, mark);
        byMark.put(mark, key);
        return mark;
    }

    /** Forgets every mark whose key is not in {@code used}. */
    public void retainOnly(Set<K> used) {
        byKey.keySet().removeIf(k -> {
            if (used.contains(k)) {
                return false;
            }
            byMark.remove(byKey.get(k));
            return true;
        });
    }

    public Map<K, Integer> assigned() {
        return Map.copyOf(byKey);
    }

    public boolean isAssigned(int mark) {
        return byMark.containsKey(mark);
    }

    /** FNV-1a over the text: stable across JVMs and restarts (String.hashCode would be too, but is weak). */
    private static int hash(String text) {
        int h = 0x811c9dc5;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x01000193;
        }
        return h;
    }
}
