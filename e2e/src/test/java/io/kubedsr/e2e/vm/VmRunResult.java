package io.kubedsr.e2e.vm;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What came back from one {@link VmRequest}.
 *
 * @param outcome whether the VM answered at all
 * @param error why the request failed as a whole (boot failure, timeout, modprobe error), or null
 * @param results every test executed plus every container that failed or was skipped
 * @param consoleLog the VM console log of the boot that served the request
 * @param elapsed host wall clock for the request, boot excluded
 * @param vmMillis time the VM spent on the request (module loading included)
 * @param bootNumber which boot of this JVM served the request (1, 2, ...)
 */
public record VmRunResult(
    Outcome outcome,
    String error,
    List<VmTestResult> results,
    Path consoleLog,
    Duration elapsed,
    long vmMillis,
    int bootNumber) {

  public enum Outcome {
    /** The VM ran the selection; see the per-test results (and {@link #error()} for modprobe errors). */
    COMPLETED,
    /** The request exceeded its timeout; the VM was killed and its console log kept. */
    TIMEOUT,
    /** The VM could not boot or died while running the request. */
    VM_FAILED
  }

  public boolean completedWithoutError() {
    return outcome == Outcome.COMPLETED && error == null;
  }

  public List<VmTestResult> tests() {
    return results.stream().filter(VmTestResult::test).toList();
  }

  public List<VmTestResult> failedContainers() {
    return results.stream()
        .filter(r -> !r.test() && r.status() == VmTestResult.Status.FAILED)
        .toList();
  }

  public Optional<VmTestResult> find(String uniqueId) {
    return results.stream().filter(r -> r.uniqueId().equals(uniqueId)).findFirst();
  }

  /** A one-paragraph description of a request-level failure, naming the console log. */
  public String describeFailure() {
    return outcome + (error == null ? "" : ": " + error)
        + (consoleLog == null ? "" : "\nVM console log: " + consoleLog);
  }
}
