package io.kubedsr.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The failure paths of the harness, through the host API so the suite stays green: a remote assertion
 * failure comes back as FAILED with its message, and a hanging scenario is killed by its timeout.
 * Last in the run: the timeout kills the shared VM.
 */
@Order(3)
@Tag("vm")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmHostApiTest {

  private static final String FIXTURES = VmFixtureScenarios.class.getName();

  @Test
  @Order(1)
  void remoteAssertionFailureIsReportedAsFailed() {
    VmRunResult run = Vm.run(VmRequest.builder()
        .selectMethod(FIXTURES + "#failsWithARemoteMessage")
        .logName("VmHostApiTest-negative-control")
        .timeout(Duration.ofSeconds(120))
        .build());

    assertThat(run.outcome()).isEqualTo(VmRunResult.Outcome.COMPLETED);
    assertThat(run.tests()).hasSize(1);
    VmTestResult r = run.tests().get(0);
    assertThat(r.status()).isEqualTo(VmTestResult.Status.FAILED);
    assertThat(r.methodName()).isEqualTo("failsWithARemoteMessage");
    assertThat(r.exceptionClass()).contains("AssertionFailedError");
    assertThat(r.exceptionMessage()).contains("deliberate remote failure").contains("3");
    assertThat(r.stdout()).isEqualTo("output before the failure\n");

    AssertionError onHost = VmExtension.toAssertionError(r);
    assertThat(onHost.getMessage())
        .contains("deliberate remote failure")
        .contains("org.opentest4j.AssertionFailedError")
        .contains("at io.kubedsr.e2e.vm.VmFixtureScenarios.failsWithARemoteMessage(")
        .contains("output before the failure");
  }

  @Test
  @Order(2)
  void hangingScenarioIsKilledByItsTimeoutAndTheNextOneBootsAFreshVm() throws Exception {
    VmRunResult hung = Vm.run(VmRequest.builder()
        .selectMethod(FIXTURES + "#sleepsForever")
        .logName("VmHostApiTest-timeout")
        .timeout(Duration.ofSeconds(5))
        .build());

    assertThat(hung.outcome()).isEqualTo(VmRunResult.Outcome.TIMEOUT);
    assertThat(hung.describeFailure()).contains("timed out after 5 s").contains("VmHostApiTest-timeout.log");
    assertThat(hung.consoleLog()).exists();
    assertThat(Files.readString(hung.consoleLog())).contains("going to sleep forever");

    VmRunResult next = Vm.run(VmRequest.builder()
        .selectMethod(FIXTURES + "#loopbackIsUp")
        .logName("VmHostApiTest-after-timeout")
        .timeout(Duration.ofSeconds(120))
        .build());
    assertThat(next.completedWithoutError()).as(next.describeFailure()).isTrue();
    assertThat(next.bootNumber()).isGreaterThan(hung.bootNumber());
    assertThat(next.tests()).extracting(VmTestResult::status).containsExactly(VmTestResult.Status.SUCCESSFUL);
  }
}
