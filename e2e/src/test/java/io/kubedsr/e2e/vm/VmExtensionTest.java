package io.kubedsr.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Host-only unit tests of the harness's plumbing; no VM. */
@Order(0)
class VmExtensionTest {

  private static VmTestResult failed() {
    return new VmTestResult("[engine:junit-jupiter]/[class:a.B]/[method:c()]", "c()", "a.B", "c", true,
        VmTestResult.Status.FAILED, "org.opentest4j.AssertionFailedError", "expected: 3 but was: 2",
        "org.opentest4j.AssertionFailedError: expected: 3 but was: 2\n\tat a.B.c(B.java:7)\n", "out line\n",
        "err line\n", 12);
  }

  @Test
  void remoteFailureBecomesAnAssertionErrorWithClassMessageTraceAndOutput() {
    assertThat(VmExtension.toAssertionError(failed()).getMessage())
        .contains("B > c()")
        .contains("org.opentest4j.AssertionFailedError: expected: 3 but was: 2")
        .contains("\tat a.B.c(B.java:7)")
        .contains("--- stdout in the VM ---\nout line")
        .contains("--- stderr in the VM ---\nerr line");
  }

  @Test
  void failedResultOfTheRequestedTestIsRethrown() {
    VmRunResult run = new VmRunResult(VmRunResult.Outcome.COMPLETED, null, List.of(failed()), Path.of("x.log"),
        Duration.ZERO, 0, 1);
    VmTestResult r = VmExtension.expectOne(run, failed().uniqueId());
    assertThat(r.status()).isEqualTo(VmTestResult.Status.FAILED);
    assertThatThrownBy(() -> VmDynamicTests.replay(r)).isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected: 3 but was: 2");
  }

  @Test
  void timeoutIsAFailureNamingTheConsoleLog() {
    VmRunResult run = new VmRunResult(VmRunResult.Outcome.TIMEOUT, "timed out after 5 s", List.of(),
        Path.of("target/vm-logs/A-b.log"), Duration.ofSeconds(5), 0, 1);
    assertThatThrownBy(() -> VmExtension.expectOne(run, "x")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("TIMEOUT: timed out after 5 s")
        .hasMessageContaining("target/vm-logs/A-b.log");
  }

  @Test
  void resultsAndRequestsSurviveTheirFileFormat() {
    Properties p = new Properties();
    failed().store(p, "r.0.");
    assertThat(VmTestResult.load(p, "r.0.")).isEqualTo(failed());

    VmRequest request = VmRequest.builder().selectClass("a.B").selectMethod("a.B#c").includeTags("hostkernel")
        .modules("ip_vs", "fou").timeout(Duration.ofSeconds(7)).logName("a B").build();
    VmRequest back = VmRequest.fromProperties(request.toProperties());
    assertThat(back.selectors()).containsExactly("class:a.B", "method:a.B#c()");
    assertThat(back.includeTags()).containsExactly("hostkernel");
    assertThat(back.modules()).containsExactly("ip_vs", "fou");
    assertThat(back.timeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(back.logName()).isEqualTo("a_B");
  }
}
