package io.kubedsr.proxy.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The work this JVM has done so far: CPU in clock ticks (/proc/self/stat: user, system, and its waited-for
 * children's, e.g. nft), JIT compilation, collections, classes loaded. Two readings give the work in between.
 */
record Work(long user, long system, long childUser, long childSystem, long jitMillis, long gcs, long gcMillis, long classes) {
    /** USER_HZ: clock ticks per second (100 on Linux x86-64). */
    private static final double HZ = 100.0;

    static Work now() {
        long gcCount = 0;
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the command name; f[0] is field 3 (state), so field n is f[n - 3]: utime 14 .. cstime 17
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new Work(Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14]),
                    ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), gcCount, gcMillis,
                    ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    Work minus(Work before) {
        return new Work(user - before.user, system - before.system, childUser - before.childUser, childSystem - before.childSystem,
                jitMillis - before.jitMillis, gcs - before.gcs, gcMillis - before.gcMillis, classes - before.classes);
    }

    /** CPU seconds of the JVM itself (user + system). */
    double cpuSeconds() {
        return (user + system) / HZ;
    }

    String cpu() {
        return String.format(Locale.ROOT, "user %.2f s sys %.2f s", user / HZ, system / HZ);
    }

    String childCpu() {
        return String.format(Locale.ROOT, "user %.2f s sys %.2f s", childUser / HZ, childSystem / HZ);
    }

    String jvm() {
        return String.format(Locale.ROOT, "JIT compiling %.2f s, %d GCs taking %.2f s, %d classes loaded", jitMillis / 1e3, gcs,
                gcMillis / 1e3, classes);
    }
}
