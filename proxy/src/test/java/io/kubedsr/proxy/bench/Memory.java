package io.kubedsr.proxy.bench;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import javax.management.JMException;
import javax.management.ObjectName;

/** This JVM's memory as the benchmarks report it: resident set (from /proc), heap and what lies outside it. */
final class Memory {
    private Memory() {
    }

    /** Heap in use after a full collection, in bytes. */
    static long heapUsedAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static long heapCommitted() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
    }

    /** VmRSS, in kB. */
    static long rssKilobytes() {
        return status("VmRSS:");
    }

    /** VmHWM (the resident set's high-water mark), in kB. */
    static long peakRssKilobytes() {
        return status("VmHWM:");
    }

    /** Outside the heap: every non-heap pool's committed size (metaspace, class space, code cache) and direct buffers. */
    static String nonHeap() {
        StringBuilder sb = new StringBuilder("outside the heap (committed):");
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.NON_HEAP) {
                sb.append(String.format(Locale.ROOT, " %s %.1f MB,", p.getName(), p.getUsage().getCommitted() / 1e6));
            }
        }
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            sb.append(String.format(Locale.ROOT, " %s buffers %.1f MB,", b.getName(), b.getMemoryUsed() / 1e6));
        }
        sb.append(" threads ").append(Thread.activeCount());
        return sb.toString();
    }

    /** The first lines of the live heap's class histogram (jcmd GC.class_histogram), for -Dkubedsr.bench.histogram=N. */
    static String histogram(int lines) {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
            return String.join("\n", ((String) out).lines().limit(lines + 3L).toList());
        } catch (JMException e) {
            return "no histogram: " + e;
        }
    }

    private static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
