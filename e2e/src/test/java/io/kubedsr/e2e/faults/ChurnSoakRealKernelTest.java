package io.kubedsr.e2e.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.kubedsr.e2e.vm.VmTest;

/**
 * The churn soak ({@link ChurnSoak}), short: 150 Services x 10, 30 s of churn at 10 updates a second, a full resync
 * every 10 s. Counts only: no sync error, the churn reached the kernel, and once it is undone every cache holds what
 * it held at the start. {@code bench/soak.sh} runs it for 30 minutes beside 10,000 Services and prints memory and GC.
 */
@Order(9)
@VmTest(modules = {"ip_vs", "ip_vs_rr", "dummy", "ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 600)
class ChurnSoakRealKernelTest {
    @Test
    void endpointChurnCausesNoSyncErrorAndNoCacheGrowth() throws Exception {
        ChurnSoak.Outcome o = new ChurnSoak(new BigCluster.Size(150, 10, 2, 4), Duration.ofSeconds(30), 10, Duration.ofSeconds(10),
                List.of("--ipvs-sync-period=10s"), System.out).run();
        ChurnSoak.Sample first = o.samples().get(0);
        assertThat(o.updates()).isGreaterThan(100);
        assertThat(o.last().syncErrors()).isZero();
        assertThat(o.last().partialSyncs() - first.partialSyncs()).as("incremental syncs during the churn").isGreaterThan(10);
        assertThat(o.last().ipvsOperations() - first.ipvsOperations()).as("IPVS writes of the churn").isGreaterThan(100);
        assertThat(o.cachesAtStart()).containsKeys("table_service_plans", "realized_real_servers", "draining_real_servers", "dsr_marks",
                "pod_namespace_index", "receivers_applied", "events_posted");
        assertThat(o.cachesAtEnd()).as("every cache after the churn, against the start").isEqualTo(o.cachesAtStart());
    }
}
