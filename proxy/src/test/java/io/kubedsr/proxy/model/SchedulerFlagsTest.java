package io.kubedsr.proxy.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;

class SchedulerFlagsTest {
    @Test
    void kubeRoutersWordsAreTheKernelsThreeFlags() {
        assertThat(SchedulerFlags.parse("flag-1,flag-2,flag-3", Scheduler.RR, true))
                .containsExactlyInAnyOrder(ServiceFlag.SCHED1, ServiceFlag.SCHED2, ServiceFlag.SCHED3);
        assertThat(SchedulerFlags.parse(" ", Scheduler.MH, true)).isEmpty();
    }

    @Test
    void mhAndShWordsNameFlagOneAndTwoOfTheirScheduler() {
        // ip_vs_mh.c: IP_VS_SVC_F_SCHED_MH_FALLBACK is SCHED1, IP_VS_SVC_F_SCHED_MH_PORT is SCHED2 (sh's likewise, ip_vs.h).
        assertThat(SchedulerFlags.parse("mh-fallback, mh-port", Scheduler.MH, true))
                .containsExactlyInAnyOrder(ServiceFlag.SCHED1, ServiceFlag.SCHED2);
        assertThat(SchedulerFlags.parse("sh-port", Scheduler.SH, true)).containsExactly(ServiceFlag.SCHED2);
    }

    @Test
    void anotherSchedulersWordIsSkippedOnAnAnnotationAndRefusedInAFlag() {
        assertThat(SchedulerFlags.parse("mh-port,flag-3", Scheduler.RR, false)).containsExactly(ServiceFlag.SCHED3);
        assertThatThrownBy(() -> SchedulerFlags.parse("sh-port", Scheduler.MH, true))
                .hasMessage("'sh-port' is a flag of the sh scheduler, not of mh");
        assertThatThrownBy(() -> SchedulerFlags.parse("mh-port,fast", Scheduler.MH, false))
                .hasMessageStartingWith("'fast' is not flag-1");
    }
}
