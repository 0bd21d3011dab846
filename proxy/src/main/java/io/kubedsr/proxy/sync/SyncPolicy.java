package io.kubedsr.proxy.sync;

import java.time.Duration;

/**
 * How a sync loop paces itself: changes coalesce for {@code coalesce}; a full sync runs every {@code period}; after
 * a failed sync the full sync that repairs it waits {@code firstBackoff}, doubling up to {@code maxBackoff}.
 */
public record SyncPolicy(Duration coalesce, Duration period, Duration firstBackoff, Duration maxBackoff) {
    public SyncPolicy {
        if (coalesce.isNegative() || period.isZero() || period.isNegative() || firstBackoff.isZero() || maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("invalid sync policy " + coalesce + " " + period + " " + firstBackoff + " " + maxBackoff);
        }
    }

    /** kube-dsr's: 10 ms coalescing, 0.5 s doubling to 30 s (never beyond the period) after a failure. */
    public static SyncPolicy withPeriod(Duration period) {
        Duration max = Duration.ofSeconds(30).compareTo(period) < 0 ? Duration.ofSeconds(30) : period;
        Duration first = Duration.ofMillis(500).compareTo(max) < 0 ? Duration.ofMillis(500) : max;
        return new SyncPolicy(Duration.ofMillis(10), period, first, max);
    }
}
