package io.kubedsr.proxy.metrics;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A checker of the text exposition format 0.0.4, written from its specification: HELP and TYPE once per family
 * and before its samples, sample names of the family (with _bucket/_sum/_count for histograms), label syntax,
 * no duplicate series, histogram buckets cumulative and ending in +Inf equal to _count. Throws on the first
 * violation with the line.
 */
final class ExpositionFormat {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
    private static final Pattern VALUE = Pattern.compile("[+-]?(\\d+(\\.\\d*)?([eE][+-]?\\d+)?|Inf|NaN)");

    private ExpositionFormat() {
    }

    static void check(String text) {
        if (!text.endsWith("\n")) {
            throw new AssertionError("exposition must end with a newline");
        }
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Set<String> series = new HashSet<>();
        Map<String, Double> lastBucket = new HashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                if (!helped.add(m.group(1))) {
                    throw new AssertionError("second HELP: " + line);
                }
                current = m.group(1);
            } else if ((m = TYPE.matcher(line)).matches()) {
                if (types.put(m.group(1), m.group(2)) != null || !m.group(1).equals(current)) {
                    throw new AssertionError("TYPE repeated or not after its HELP: " + line);
                }
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String family = current;
                String type = types.get(family);
                boolean ok = name.equals(family) || "histogram".equals(type)
                        && (name.equals(family + "_bucket") || name.equals(family + "_sum") || name.equals(family + "_count"));
                if (type == null || !ok) {
                    throw new AssertionError("sample outside its family " + family + ": " + line);
                }
                String labels = m.group(3) == null ? "" : m.group(3);
                Matcher l = LABEL.matcher(labels);
                int at = 0;
                String le = null;
                while (at < labels.length() && l.find(at) && l.start() == at) {
                    if (l.group(1).equals("le")) {
                        le = l.group(2);
                    }
                    at = l.end();
                }
                if (at != labels.length()) {
                    throw new AssertionError("bad labels: " + line);
                }
                if (!VALUE.matcher(m.group(4)).matches()) {
                    throw new AssertionError("bad value: " + line);
                }
                if (!series.add(name + "{" + labels + "}")) {
                    throw new AssertionError("duplicate series: " + line);
                }
                double v = Double.parseDouble(m.group(4).replace("Inf", "Infinity"));
                String key = labels.replaceAll(",?le=\"[^\"]*\"", "");
                if (name.endsWith("_bucket")) {
                    if (le == null) {
                        throw new AssertionError("bucket without le: " + line);
                    }
                    Double before = lastBucket.put(family + key, v);
                    if (before != null && v < before) {
                        throw new AssertionError("buckets not cumulative: " + line);
                    }
                    if (le.equals("+Inf")) {
                        lastBucket.put(family + key + "+Inf", v);
                    }
                } else if (name.endsWith("_count") && "histogram".equals(type)) {
                    Double inf = lastBucket.remove(family + key + "+Inf");
                    if (inf == null || inf != v) {
                        throw new AssertionError("_count without an equal +Inf bucket: " + line);
                    }
                }
            } else {
                throw new AssertionError("not a 0.0.4 line: \"" + line + "\"");
            }
        }
    }
}
