package io.kubedsr.e2e.vm;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * The host API for arbitrary selections: a class (tag-filtered) runs in the VM and each remote test is
 * reported as a DynamicTest. The same shape re-runs the netlink module's host-kernel tests in the VM.
 */
@Order(2)
@Tag("vm")
class VmSelectionsTest {

  @TestFactory
  Stream<DynamicTest> passingFixturesRunRemotely() {
    return VmDynamicTests.run(VmRequest.builder()
        .selectClass(VmFixtureScenarios.class.getName())
        .includeTags("passing")
        .logName("VmSelectionsTest-fixtures")
        .timeout(java.time.Duration.ofSeconds(120))
        .build());
  }

  @TestFactory
  Stream<DynamicTest> netlinkHostKernelTestsInTheVmKernel() {
    // The netlink module's tier-2 tests (tag hostkernel), from its test-jar, against the VM's kernel.
    return VmDynamicTests.run(VmRequest.builder()
        .selectPackage("io.kubedsr.netlink")
        .includeTags("hostkernel")
        .logName("VmSelectionsTest-netlink")
        .build());
  }
}
