package io.kubedsr.proxy.metrics;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: per family one {@code # HELP} and one
 * {@code # TYPE} line, then its samples {@code name{label="value",...} value}, each line ending in a newline.
 * Label values escape backslash, double quote and newline; HELP text escapes backslash and newline.
 */
public final class PrometheusText {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final StringBuilder out = new StringBuilder();

    /** Starts a metric family: {@code type} is counter, gauge, histogram, summary or untyped. */
    public PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** One sample; {@code labels} are name, value pairs. */
    public PrometheusText sample(String name, double value, String... labels) {
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /** A family of one unlabelled sample: its HELP and TYPE lines, then the sample. */
    public PrometheusText single(String name, String type, String help, double value) {
        return family(name, type, help).sample(name, value);
    }

    /** A histogram family of one unlabelled histogram. */
    public PrometheusText singleHistogram(String name, String help, Histogram.Snapshot h) {
        return family(name, "histogram", help).histogram(name, h);
    }

    /** The {@code _bucket} (with {@code le}), {@code _sum} and {@code _count} samples of a histogram. */
    public PrometheusText histogram(String name, Histogram.Snapshot h, String... labels) {
        for (int i = 0; i < h.bounds().length; i++) {
            sample(name + "_bucket", h.cumulative()[i], with(labels, "le", number(h.bounds()[i])));
        }
        sample(name + "_bucket", h.count(), with(labels, "le", "+Inf"));
        sample(name + "_sum", h.sum(), labels);
        sample(name + "_count", h.count(), labels);
        return this;
    }

    private static String[] with(String[] labels, String name, String value) {
        String[] out = Arrays.copyOf(labels, labels.length + 2);
        out[labels.length] = name;
        out[labels.length + 1] = value;
        return out;
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Integers without a decimal point, others in the shortest plain decimal form; NaN and infinities by name. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
