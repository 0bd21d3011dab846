package io.kubedsr.e2e.vm;

import java.util.Properties;

/**
 * The outcome of one test (or of a failed container, {@code test == false}) executed in the VM.
 *
 * @param uniqueId JUnit unique id, identical to the host's for the same test
 * @param displayName the test's display name
 * @param className the test class, when the source is a method or class
 * @param methodName the test method, when the source is a method
 * @param exceptionClass class of the throwable, or null
 * @param exceptionMessage its message, or null
 * @param stackTrace its full printed stack trace, or null
 * @param stdout what the test printed to System.out in the VM
 * @param stderr what the test printed to System.err in the VM
 */
public record VmTestResult(
    String uniqueId,
    String displayName,
    String className,
    String methodName,
    boolean test,
    Status status,
    String exceptionClass,
    String exceptionMessage,
    String stackTrace,
    String stdout,
    String stderr,
    long durationMillis) {

  public enum Status { SUCCESSFUL, FAILED, ABORTED, SKIPPED }

  /** {@code SimpleClass.method()} style name for reports. */
  public String reportName() {
    String cls = className == null ? "" : className.substring(className.lastIndexOf('.') + 1) + " > ";
    return cls + displayName;
  }

  void store(Properties p, String prefix) {
    put(p, prefix + "uniqueId", uniqueId);
    put(p, prefix + "displayName", displayName);
    put(p, prefix + "className", className);
    put(p, prefix + "methodName", methodName);
    put(p, prefix + "test", Boolean.toString(test));
    put(p, prefix + "status", status.name());
    put(p, prefix + "exceptionClass", exceptionClass);
    put(p, prefix + "exceptionMessage", exceptionMessage);
    put(p, prefix + "stackTrace", stackTrace);
    put(p, prefix + "stdout", stdout);
    put(p, prefix + "stderr", stderr);
    put(p, prefix + "durationMillis", Long.toString(durationMillis));
  }

  static VmTestResult load(Properties p, String prefix) {
    return new VmTestResult(
        p.getProperty(prefix + "uniqueId"),
        p.getProperty(prefix + "displayName"),
        p.getProperty(prefix + "className"),
        p.getProperty(prefix + "methodName"),
        Boolean.parseBoolean(p.getProperty(prefix + "test")),
        Status.valueOf(p.getProperty(prefix + "status")),
        p.getProperty(prefix + "exceptionClass"),
        p.getProperty(prefix + "exceptionMessage"),
        p.getProperty(prefix + "stackTrace"),
        p.getProperty(prefix + "stdout", ""),
        p.getProperty(prefix + "stderr", ""),
        Long.parseLong(p.getProperty(prefix + "durationMillis", "0")));
  }

  private static void put(Properties p, String key, String value) {
    if (value != null) {
      p.setProperty(key, value);
    }
  }
}
