package io.kubedsr.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;

/**
 * kill -9 in the middle of a full sync ({@link CrashScenario}), short: 300 Services x 10, two kills in one run.
 * {@code bench/crash.sh} runs it with 10,000 Services and more runs.
 */
@Order(9)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "dummy", "ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 900)
class CrashRealKernelTest {
    @Test
    void anAgentKilledInTheMiddleOfAFullSyncIsRestartedIntoACleanRunsStateAndNothingForeignIsTouched() throws Exception {
        CrashScenario.Outcome o = new CrashScenario(new BigCluster.Size(300, 10, 2, 4), 1, 2, System.nanoTime(), System.out).run();
        assertThat(o.kills()).hasSize(2);
        for (String marker : BigCluster.FOREIGN_MARKERS) {
            assertThat(o.foreignLines()).as("a foreign object (%s) in the kernel state", marker).anyMatch(l -> l.contains(marker));
        }
        assertThat(o.differing()).as("runs whose state differed from the clean run's:\n" + String.join("\n", o.diffs())).isEmpty();
    }
}
