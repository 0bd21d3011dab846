package io.kubedsr.proxy.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Prometheus histogram with fixed upper bounds (seconds). Observations come from the agent's context, scrapes
 * from an HTTP event loop: both go through this object's lock.
 */
public final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private double sum;
    private long count;

    public Histogram(List<Double> upperBounds) {
        this.bounds = upperBounds.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + upperBounds);
            }
        }
        this.counts = new long[bounds.length];
    }

    public synchronized void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i]++;
                break;
            }
        }
        sum += value;
        count++;
    }

    /** Cumulative counts per bound (the {@code le} buckets), then the sum and count ({@code +Inf}). */
    public synchronized Snapshot snapshot() {
        long[] cumulative = new long[bounds.length];
        long running = 0;
        for (int i = 0; i < bounds.length; i++) {
            running += counts[i];
            cumulative[i] = running;
        }
        return new Snapshot(bounds.clone(), cumulative, sum, count);
    }

    public record Snapshot(double[] bounds, long[] cumulative, double sum, long count) {
    }

    /** {@code count} bounds from {@code start}, {@code width} apart (Prometheus' LinearBuckets). */
    public static List<Double> linear(double start, double width, int count) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(start + i * width);
        }
        return out;
    }

    /** {@code count} bounds from {@code start}, each {@code factor} times the last (ExponentialBuckets). */
    public static List<Double> exponential(double start, double factor, int count) {
        List<Double> out = new ArrayList<>();
        double v = start;
        for (int i = 0; i < count; i++) {
            out.add(v);
            v *= factor;
        }
        return out;
    }

    @Override
    public synchronized String toString() {
        return "Histogram{bounds=" + Arrays.toString(bounds) + " count=" + count + " sum=" + sum + "}";
    }
}
