package io.kubedsr.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scenarios for the harness's own tests, run only through the host API ({@link Vm#run}); the class name
 * does not match surefire's includes, so Maven does not run it directly. Some fail or hang on purpose.
 */
class VmFixtureScenarios {

  @BeforeEach
  void onlyInTheVm() {
    assumeTrue(VmEnvironment.inVm(), "fixture for the VM only");
  }

  @Test
  @Tag("passing")
  void printsTheKernel() {
    System.out.println("fixture says: kernel " + System.getProperty("os.version"));
    System.err.println("fixture stderr line");
    assertThat(System.getProperty("os.version")).isEqualTo(VmEnvironment.kernelVersion());
  }

  @Test
  @Tag("passing")
  void loopbackIsUp() {
    assertThat(VmCommands.run("ip", "-o", "link", "show", "lo")).contains("UP");
  }

  @Test
  @Tag("failing")
  void failsWithARemoteMessage() {
    System.out.println("output before the failure");
    assertThat(1 + 1).as("deliberate remote failure").isEqualTo(3);
  }

  @Test
  @Tag("hanging")
  void sleepsForever() throws InterruptedException {
    System.out.println("going to sleep forever");
    Thread.sleep(Long.MAX_VALUE);
  }
}
