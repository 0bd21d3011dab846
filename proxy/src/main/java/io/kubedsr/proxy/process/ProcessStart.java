package io.kubedsr.proxy.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * When this process started, to the kernel's clock tick (10 ms): its start time in {@code /proc/self/stat} (ticks
 * since boot) against {@code /proc/uptime} (seconds since boot, to the hundredth). The launcher's {@code exec} of
 * java keeps the process, so the time from the launcher's start counts. {@code ProcessHandle}'s start instant is no
 * use here: it adds the boot time, which {@code /proc/stat} gives in whole seconds, up to a second off.
 */
public final class ProcessStart {
    /** USER_HZ: what {@code /proc} counts ticks in, 100 on every Linux architecture kube-dsr runs on. */
    private static final int TICKS_PER_SECOND = 100;

    private ProcessStart() {
    }

    /** How long ago, at {@code now}, this process started; {@code fallback} if {@code /proc} cannot tell. */
    public static Instant of(Instant now, Instant fallback) {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // After the command name in parentheses (which may hold spaces), field 3 on; the start time is field 22.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[22 - 3]);
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            long agoMillis = Math.round(uptime * 1000) - startTicks * 1000 / TICKS_PER_SECOND;
            return now.minus(Duration.ofMillis(Math.max(0, agoMillis)));
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }
}
