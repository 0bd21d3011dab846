package io.kubedsr.netlink.fuzz;

/**
 * One run of a fuzz target: how many inputs libFuzzer executed, in how many seconds of fuzzing (libFuzzer's
 * own count, JVM start-up excluded), how fast, and whether the target survived. {@code finding} is the
 * first lines of the report when it did not (the uncaught exception or the hang, and the crashing input).
 */
public record FuzzRun(String target, long runs, long seconds, long execsPerSecond, long newUnits, int exitCode,
        String finding) {

    public boolean survived() {
        return exitCode == 0 && runs > 0;
    }

    /** One line for logs and the benchmark's table. */
    public String line() {
        String rate = seconds == 0 ? "(under 1 s)" : String.format("%,9d exec/s", execsPerSecond);
        return String.format("%-48s %,12d inputs %6d s %15s %5d new units  %s", target, runs, seconds, rate, newUnits,
                survived() ? "ok" : "FAILED (exit " + exitCode + ")");
    }
}
