package io.kubedsr.proxy.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ProcessStartTest {
    /** The process started before the JVM inside it (to the 10 ms tick), and well within this test run. */
    @Test
    void thisProcessStartedJustBeforeItsJvm() {
        Instant now = Instant.now();
        Instant jvmStart = Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime());
        Instant started = ProcessStart.of(now, Instant.EPOCH);
        assertThat(started).isNotEqualTo(Instant.EPOCH).isBeforeOrEqualTo(jvmStart.plusMillis(20))
                .isAfter(jvmStart.minus(Duration.ofSeconds(30)));
    }
}
