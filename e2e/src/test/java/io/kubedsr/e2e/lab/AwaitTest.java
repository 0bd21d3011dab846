package io.kubedsr.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** {@link Await} on the host: it returns once the condition holds, and its failure names what was awaited. */
class AwaitTest {
    @Test
    void returnsOnTheFirstCheckThatHolds() throws InterruptedException {
        AtomicInteger checks = new AtomicInteger();
        Await.until("the third check", Duration.ofSeconds(30), Duration.ofMillis(1), () -> checks.incrementAndGet() == 3);
        assertThat(checks).hasValue(3);
    }

    @Test
    void failsAfterTheTimeoutNamingWhatWasAwaited() {
        assertThatThrownBy(() -> Await.until("the VIP on kube-dummy-if", Duration.ofMillis(50), Duration.ofMillis(10), () -> false))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("timed out after ")
                .hasMessageEndingWith(" s waiting for the VIP on kube-dummy-if");
    }
}
