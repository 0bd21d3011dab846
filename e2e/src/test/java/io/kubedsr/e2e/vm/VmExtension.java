package io.kubedsr.e2e.vm;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.TestAbortedException;

/**
 * Runs {@link VmTest} classes in the VM. On the host, each test method invocation is skipped and the same
 * method (by JUnit unique id) is executed in the VM; its failure comes back as an {@link AssertionError}
 * with the remote exception and output. Lifecycle methods are skipped on the host: they run in the VM.
 * Inside the VM everything proceeds normally, and a scenario fails if Vert.x's blocked-thread checker found an
 * agent's event loop (or worker) busy past its limit at any time from its {@code @BeforeEach} to its
 * {@code @AfterEach} ({@link BlockedThreadFindings}): the agent's event loop must never block.
 */
public final class VmExtension implements InvocationInterceptor, BeforeEachCallback, AfterEachCallback {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(VmExtension.class);

  @Override
  public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    runHereOrInVm(invocation, context);
  }

  @Override
  public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    runHereOrInVm(invocation, context);
  }

  @Override
  public void interceptBeforeAllMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    proceedOnlyInVm(invocation);
  }

  @Override
  public void interceptBeforeEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    proceedOnlyInVm(invocation);
  }

  @Override
  public void interceptAfterEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    proceedOnlyInVm(invocation);
  }

  @Override
  public void interceptAfterAllMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
      ExtensionContext context) throws Throwable {
    proceedOnlyInVm(invocation);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (VmEnvironment.inVm()) {
      BlockedThreadFindings.drain(); // what an earlier scenario left after its end is not this one's
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!VmEnvironment.inVm()) {
      return;
    }
    List<String> findings = BlockedThreadFindings.drain();
    if (!findings.isEmpty()) {
      throw new AssertionError("Vert.x found an agent's thread blocked " + findings.size() + " time(s) (the agent's event"
          + " loop must never block):\n" + String.join("\n", findings));
    }
  }

  private static void proceedOnlyInVm(Invocation<Void> invocation) throws Throwable {
    if (VmEnvironment.inVm()) {
      invocation.proceed();
    } else {
      invocation.skip();
    }
  }

  private static void runHereOrInVm(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
    if (VmEnvironment.inVm()) {
      invocation.proceed();
      return;
    }
    invocation.skip();
    // Stop the shared VM when the whole test run ends (the shutdown hook is the fallback).
    context.getRoot().getStore(NAMESPACE).computeIfAbsent(StopVm.class, k -> new StopVm(), StopVm.class);

    VmTest config = findConfig(context.getRequiredTestClass());
    VmRequest request = VmRequest.builder()
        .selectUniqueId(context.getUniqueId())
        .modules(config.modules())
        .timeout(Duration.ofSeconds(config.timeoutSeconds()))
        .logName(context.getRequiredTestClass().getSimpleName() + "-" + context.getRequiredTestMethod().getName())
        .build();
    VmRunResult run = Vm.run(request);
    VmTestResult result = expectOne(run, context.getUniqueId());
    if (!result.stdout().isEmpty()) {
      System.out.print(result.stdout());
    }
    if (!result.stderr().isEmpty()) {
      System.err.print(result.stderr());
    }
    switch (result.status()) {
      case SUCCESSFUL -> { }
      case FAILED -> throw toAssertionError(result);
      case ABORTED, SKIPPED -> throw new TestAbortedException("aborted in the VM: " + result.exceptionMessage());
    }
  }

  /** The result of the one test the host asked for, or an AssertionError explaining why there is none. */
  static VmTestResult expectOne(VmRunResult run, String uniqueId) {
    if (run.outcome() != VmRunResult.Outcome.COMPLETED || run.error() != null) {
      throw new AssertionError("VM scenario failed: " + run.describeFailure());
    }
    return run.find(uniqueId).orElseThrow(() -> {
      List<VmTestResult> failed = run.failedContainers();
      if (!failed.isEmpty()) {
        return toAssertionError(failed.get(0));
      }
      return new AssertionError("the VM did not execute " + uniqueId + "; results: "
          + run.results().stream().map(VmTestResult::uniqueId).collect(Collectors.joining(", ")));
    });
  }

  /** The host-side failure for a remote one: remote class, message, stack trace and captured output. */
  public static AssertionError toAssertionError(VmTestResult r) {
    StringBuilder m = new StringBuilder("Failed in the VM: ").append(r.reportName()).append('\n')
        .append(r.exceptionClass()).append(": ").append(r.exceptionMessage());
    if (r.stackTrace() != null) {
      m.append("\n--- remote stack trace ---\n").append(r.stackTrace().stripTrailing());
    }
    if (!r.stdout().isEmpty()) {
      m.append("\n--- stdout in the VM ---\n").append(r.stdout().stripTrailing());
    }
    if (!r.stderr().isEmpty()) {
      m.append("\n--- stderr in the VM ---\n").append(r.stderr().stripTrailing());
    }
    return new AssertionError(m.toString());
  }

  private static VmTest findConfig(Class<?> testClass) {
    for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
      var found = AnnotationSupport.findAnnotation(c, VmTest.class);
      if (found.isPresent()) {
        return found.get();
      }
    }
    throw new IllegalStateException(testClass + " uses VmExtension without @VmTest");
  }

  /** Kept in the root store so the VM stops when the test plan finishes. */
  private static final class StopVm implements AutoCloseable {
    @Override
    public void close() {
      Vm.shutdown();
    }
  }
}
