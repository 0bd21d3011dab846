package io.kubedsr.netlink.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.DynamicTest;

/**
 * The short fuzzing run of a module's build: every {@code *FuzzTarget} of the module for a few seconds
 * ({@code -Dkube-dsr.fuzz.seconds}, default {@value #DEFAULT_SECONDS}), one dynamic test each. A finding fails the
 * test with the exception and the input; the figures are printed. bench/fuzz.sh runs the same targets for
 * a million inputs each.
 */
public final class FuzzTargets {
    static final int DEFAULT_SECONDS = 4;

    private FuzzTargets() {
    }

    /** One dynamic test per fuzz target found in this module's test classes. */
    public static List<DynamicTest> shortRuns() {
        int seconds = Integer.getInteger("kube-dsr.fuzz.seconds", DEFAULT_SECONDS);
        List<String> targets = Fuzzing.targetsIn(Path.of("target", "test-classes"));
        assertThat(targets).as("fuzz targets in target/test-classes").isNotEmpty();
        return targets.stream().map(t -> DynamicTest.dynamicTest(simpleName(t), () -> {
            FuzzRun run = Fuzzing.run(t, 0, seconds, Path.of("target", "fuzz"));
            System.out.println("fuzz " + run.line());
            assertThat(run.finding()).as("finding of " + t).isNull();
            assertThat(run.survived()).as(run.line()).isTrue();
        })).toList();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
