package io.kubedsr.e2e.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

/**
 * Turns a {@link VmRequest} into one {@link DynamicTest} per test executed in the VM, for a
 * {@code @TestFactory} on the host, so Maven reports the remote tests one by one:
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicTest> netlinkInVm() {
 *   return VmDynamicTests.run(VmRequest.builder()
 *       .selectPackage("io.kubedsr.netlink").includeTags("hostkernel").build());
 * }
 * }</pre>
 */
public final class VmDynamicTests {

  private VmDynamicTests() {}

  /** Fails (one dynamic test) when the selection ran no test at all. */
  public static Stream<DynamicTest> run(VmRequest request) {
    return of(Vm.run(request), false);
  }

  /** Like {@link #run} but an empty selection yields no dynamic tests. */
  public static Stream<DynamicTest> runAllowingEmpty(VmRequest request) {
    return of(Vm.run(request), true);
  }

  public static Stream<DynamicTest> of(VmRunResult run, boolean allowEmpty) {
    if (!run.completedWithoutError()) {
      return Stream.of(DynamicTest.dynamicTest("VM run", () -> {
        throw new AssertionError("VM run failed: " + run.describeFailure());
      }));
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (VmTestResult r : run.results()) {
      tests.add(DynamicTest.dynamicTest(r.reportName(), () -> replay(r)));
    }
    if (tests.isEmpty() && !allowEmpty) {
      tests.add(DynamicTest.dynamicTest("VM run", () -> {
        throw new AssertionError("the selection ran no test in the VM");
      }));
    }
    return tests.stream();
  }

  /** Reproduces a remote outcome on the host: output, then pass, fail or abort. */
  public static void replay(VmTestResult r) {
    if (!r.stdout().isEmpty()) {
      System.out.print(r.stdout());
    }
    if (!r.stderr().isEmpty()) {
      System.err.print(r.stderr());
    }
    switch (r.status()) {
      case SUCCESSFUL -> { }
      case FAILED -> throw VmExtension.toAssertionError(r);
      case ABORTED, SKIPPED -> throw new TestAbortedException(
          r.status().name().toLowerCase() + " in the VM: " + r.exceptionMessage());
    }
  }
}
