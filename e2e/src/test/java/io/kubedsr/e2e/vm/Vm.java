package io.kubedsr.e2e.vm;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Host side of the real-kernel VM: one VM per test JVM, booted lazily by the first {@link #run} and
 * shut down with {@link #shutdown()} (called by {@link VmExtension} at the end of the test run, and by a
 * shutdown hook). A request that times out kills the VM; the next request boots a fresh one.
 *
 * <p>Tunables (system properties): {@code kube-dsr.vm.bootTimeoutSeconds} (default 300),
 * {@code kube-dsr.vm.jvmArgs} (extra JVM options for the in-VM JVM).
 */
public final class Vm {

  private static final Object LOCK = new Object();
  private static Instance current;
  private static int boots;
  private static boolean hookInstalled;

  private Vm() {}

  /** Runs a selection in the VM (booting it if needed) and returns the per-test results. */
  public static VmRunResult run(VmRequest request) {
    if (VmEnvironment.inVm()) {
      throw new IllegalStateException("Vm.run called inside the VM");
    }
    synchronized (LOCK) {
      if (current == null || !current.process.isAlive()) {
        if (current != null) {
          current.close();
        }
        current = null;
        try {
          current = boot(++boots);
        } catch (BootException e) {
          Path kept = keepLog(e.log, request.logName());
          return new VmRunResult(VmRunResult.Outcome.VM_FAILED, e.getMessage(), List.of(), kept,
              Duration.ZERO, 0, boots);
        }
      }
      return current.run(request);
    }
  }

  /** Stops the VM if one is running. Idempotent. */
  public static void shutdown() {
    synchronized (LOCK) {
      if (current != null) {
        current.close();
        current = null;
      }
    }
  }

  static void log(String message) {
    String line = "[kube-dsr vm] " + message;
    System.out.println(line);
    try {
      Files.createDirectories(VmEnvironment.logDir());
      Files.writeString(VmEnvironment.logDir().resolve("timings.txt"), Instant.now() + " " + message + "\n",
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      // Timing notes are a convenience.
    }
  }

  private static Path keepLog(Path log, String name) {
    if (log == null || !Files.exists(log)) {
      return log;
    }
    try {
      Path kept = log.resolveSibling(name + ".log");
      Files.copy(log, kept, StandardCopyOption.REPLACE_EXISTING);
      return kept;
    } catch (IOException e) {
      return log;
    }
  }

  private static Instance boot(int number) throws BootException {
    VmEnvironment.kernel(); // fails naming setup.sh when the cache is missing
    Path logDir = VmEnvironment.logDir();
    Path share = VmEnvironment.shareRoot().resolve("boot-" + number);
    Path log = logDir.resolve("boot-" + number + ".log");
    try {
      deleteRecursively(share);
      Files.createDirectories(share.resolve("requests"));
      Files.createDirectories(share.resolve("results"));
      Files.createDirectories(logDir);
      writeLauncher(share);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!hookInstalled) {
      Runtime.getRuntime().addShutdownHook(new Thread(Vm::shutdown, "kube-dsr-vm-shutdown"));
      hookInstalled = true;
    }
    Path bootScript = VmEnvironment.scriptDir().resolve("boot");
    long start = System.nanoTime();
    Process process;
    try {
      process = new ProcessBuilder("bash", bootScript.toString(), "--mode", "server", "--share", share.toString(),
          "--keep", keepPaths())
          .redirectInput(new File("/dev/null"))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
    } catch (IOException e) {
      throw new BootException("cannot start " + bootScript + ": " + e, log);
    }
    long timeoutNanos = Duration.ofSeconds(Long.getLong("kube-dsr.vm.bootTimeoutSeconds", 300)).toNanos();
    double initDone = -1;
    while (!Files.exists(share.resolve("ready"))) {
      double elapsed = (System.nanoTime() - start) / 1e9;
      if (initDone < 0 && logContains(log, "KUBE_DSR_VM_INIT_DONE")) {
        initDone = elapsed;
      }
      if (!process.isAlive()) {
        throw new BootException("the VM exited (status " + process.exitValue() + ") before its server was "
            + "ready. Console log " + log + ":\n" + tail(log, 40), log);
      }
      if (System.nanoTime() - start > timeoutNanos) {
        process.destroyForcibly();
        throw new BootException("the VM's server was not ready within the boot timeout; VM killed. "
            + "Console log " + log + ":\n" + tail(log, 40), log);
      }
      sleep(100);
    }
    double ready = (System.nanoTime() - start) / 1e9;
    String guest = "";
    try {
      Properties p = VmServer.load(share.resolve("ready"));
      guest = String.format(" (guest: JVM up %.1f s after start, server ready at guest uptime %s s)",
          Long.parseLong(p.getProperty("jvmUptimeMillis")) / 1000.0, p.getProperty("guestUptime"));
    } catch (IOException | RuntimeException e) {
      // keep the host-side numbers
    }
    log(String.format("boot #%d: init done after %.1f s, server ready after %.1f s (host wall clock)%s; log %s",
        number, initDone, ready, guest, log));
    return new Instance(number, process, share, log);
  }

  private static void writeLauncher(Path share) throws IOException {
    String classPath = System.getProperty("surefire.test.class.path");
    if (classPath == null || classPath.isBlank()) {
      classPath = System.getProperty("java.class.path");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> jvmArgs = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Xshare:auto", "-Djava.io.tmpdir=/tmp", "-Dbasedir=" + VmEnvironment.moduleDir()));
    String extra = System.getProperty("kube-dsr.vm.jvmArgs", "");
    for (String a : extra.trim().split("\\s+")) {
      if (!a.isEmpty()) {
        jvmArgs.add(a);
      }
    }
    StringBuilder argFile = new StringBuilder();
    for (String a : jvmArgs) {
      argFile.append(quote(a)).append('\n');
    }
    argFile.append("-cp\n").append(quote(classPath)).append('\n');
    Files.writeString(share.resolve("jvm.args"), argFile.toString());
    String script = "#!/bin/bash\n"
        + "# Written by io.kubedsr.e2e.vm.Vm; run by the VM's init in the chroot of the host's /.\n"
        + "cd '" + VmEnvironment.moduleDir() + "'\n"
        + "echo \"KUBE_DSR_VM_JVM_START uptime=$(cut -d' ' -f1 /proc/uptime)\"\n"
        // Testcontainers' reaper (Ryuk) is an image pulled from a registry; the VM has none, and the scenarios
        // remove their containers themselves. Only this variable turns it off (not testcontainers.properties).
        + "export TESTCONTAINERS_RYUK_DISABLED=true\n"
        // The VM's root is the host's, whose /.dockerenv (the build machine may itself be a container) makes
        // Testcontainers look for the engine's address on the default bridge network, which dockerd here has not.
        + "export TESTCONTAINERS_HOST_OVERRIDE=localhost\n"
        + "exec '" + java + "' @/run/kube-dsr/jvm.args " + VmServer.class.getName() + " /run/kube-dsr\n";
    Files.writeString(share.resolve("run.sh"), script);
  }

  private static String quote(String arg) {
    return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static boolean logContains(Path log, String marker) {
    try {
      return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(marker);
    } catch (IOException e) {
      return false;
    }
  }

  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no console log: " + e + ")";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static final class BootException extends Exception {
    private static final long serialVersionUID = 1L;
    final Path log;

    BootException(String message, Path log) {
      super(message);
      this.log = log;
    }
  }

  /** One running VM. */
  private static final class Instance {
    final int number;
    final Process process;
    final Path share;
    final Path log;
    int sequence;

    Instance(int number, Process process, Path share, Path log) {
      this.number = number;
      this.process = process;
      this.share = share;
      this.log = log;
    }

    VmRunResult run(VmRequest request) {
      String name = String.format("%06d.properties", ++sequence);
      long start = System.nanoTime();
      try {
        VmServer.writeAtomically(share.resolve("requests").resolve(name), request.toProperties());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path resultFile = share.resolve("results").resolve(name);
      long deadline = start + request.timeout().toNanos();
      while (!Files.exists(resultFile)) {
        if (!process.isAlive()) {
          Path kept = keepLog(log, request.logName());
          current = null;
          return new VmRunResult(VmRunResult.Outcome.VM_FAILED,
              "the VM exited (status " + process.exitValue() + ") while running " + request
                  + ". Last console lines:\n" + tail(log, 40),
              List.of(), kept, Duration.ofNanos(System.nanoTime() - start), 0, number);
        }
        if (System.nanoTime() > deadline) {
          process.destroyForcibly();
          waitFor(process, Duration.ofSeconds(10));
          Path kept = keepLog(log, request.logName());
          current = null;
          Vm.log(String.format("boot #%d: %s timed out after %d s; VM killed, console log %s",
              number, request.logName(), request.timeout().toSeconds(), kept));
          return new VmRunResult(VmRunResult.Outcome.TIMEOUT,
              "timed out after " + request.timeout().toSeconds() + " s in the VM; the VM was killed "
                  + "(the next scenario boots a fresh one). Last console lines:\n" + tail(log, 20),
              List.of(), kept, Duration.ofNanos(System.nanoTime() - start), 0, number);
        }
        sleep(50);
      }
      Properties p;
      try {
        p = VmServer.load(resultFile);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      int count = Integer.parseInt(p.getProperty("count", "0"));
      List<VmTestResult> results = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        results.add(VmTestResult.load(p, "r." + i + "."));
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
      long vmMillis = Long.parseLong(p.getProperty("vmMillis", "0"));
      Vm.log(String.format("boot #%d: %s: %d result(s), %.2f s in the VM (modules %.2f s), %.2f s round trip",
          number, request.logName(), count, vmMillis / 1000.0,
          Long.parseLong(p.getProperty("modulesMillis", "0")) / 1000.0, elapsed.toMillis() / 1000.0));
      return new VmRunResult(VmRunResult.Outcome.COMPLETED, p.getProperty("error"), List.copyOf(results), log,
          elapsed, vmMillis, number);
    }

    void close() {
      if (process.isAlive()) {
        try {
          Files.writeString(share.resolve("shutdown"), "");
        } catch (IOException e) {
          // fall through to the kill
        }
        if (!waitFor(process, Duration.ofSeconds(20))) {
          process.destroyForcibly();
          waitFor(process, Duration.ofSeconds(10));
        }
        Vm.log(String.format("boot #%d: VM stopped", number));
      }
    }

    private static boolean waitFor(Process p, Duration d) {
      try {
        return p.waitFor(d.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /**
   * Directories the guest must keep visible although it covers /tmp, /var/tmp and /run with tmpfs: the
   * project and any class path root below those (a CI clone in /tmp, a Maven repository there).
   */
  static String keepPaths() {
    java.util.LinkedHashSet<String> keep = new java.util.LinkedHashSet<>();
    keep.add(VmEnvironment.moduleDir().toAbsolutePath().getParent().toString());
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path", ""));
    for (String entry : classPath.split(java.io.File.pathSeparator)) {
      for (String scratch : new String[] {"/tmp/", "/var/tmp/", "/run/"}) {
        if (entry.startsWith(scratch)) {
          String rest = entry.substring(scratch.length());
          int slash = rest.indexOf('/');
          keep.add(scratch + (slash < 0 ? rest : rest.substring(0, slash)));
        }
      }
    }
    keep.removeIf(p -> p.contains(" ") || p.contains(":"));
    return String.join(":", keep);
  }
}
