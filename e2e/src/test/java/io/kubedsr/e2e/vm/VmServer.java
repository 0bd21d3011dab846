package io.kubedsr.e2e.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.engine.discovery.DiscoverySelectors;

/**
 * The single JVM inside the VM. Polls {@code <share>/requests} for {@code <n>.properties} (a
 * {@link VmRequest}), loads the requested modules, runs the selection with the JUnit Platform Launcher and
 * writes {@code <share>/results/<n>.properties}. Stops when {@code <share>/shutdown} appears.
 * Started by the VM's init through {@code <share>/run.sh}.
 */
public final class VmServer {

  private final Path share;
  private final Capture out;
  private final Capture err;
  private final Launcher launcher;

  private VmServer(Path share, Capture out, Capture err) {
    this.share = share;
    this.out = out;
    this.err = err;
    this.launcher = LauncherFactory.create();
  }

  public static void main(String[] args) throws Exception {
    Path share = Path.of(args[0]);
    Capture out = new Capture(System.out);
    Capture err = new Capture(System.err);
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    VmServer server = new VmServer(share, out, err);
    Files.createDirectories(share.resolve("results"));
    Properties ready = new Properties();
    ready.setProperty("jvmUptimeMillis", Long.toString(ManagementFactory.getRuntimeMXBean().getUptime()));
    ready.setProperty("guestUptime", Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    ready.setProperty("kernel", System.getProperty("os.version"));
    writeAtomically(share.resolve("ready"), ready);
    out.console.println("KUBE_DSR_VM_SERVER_READY " + ready);
    server.loop();
    out.console.println("KUBE_DSR_VM_SERVER_STOPPED");
    System.exit(0);
  }

  private void loop() throws IOException, InterruptedException {
    Path requests = share.resolve("requests");
    while (!Files.exists(share.resolve("shutdown"))) {
      List<Path> pending = new ArrayList<>();
      if (Files.isDirectory(requests)) {
        try (Stream<Path> files = Files.list(requests)) {
          files.filter(f -> f.getFileName().toString().endsWith(".properties")).sorted().forEach(pending::add);
        }
      }
      for (Path request : pending) {
        String name = request.getFileName().toString();
        Properties result;
        try {
          result = handle(load(request));
        } catch (Throwable t) {
          result = new Properties();
          result.setProperty("error", "VM server failed on the request: " + stackTrace(t));
          result.setProperty("count", "0");
        }
        writeAtomically(share.resolve("results").resolve(name), result);
        Files.delete(request);
      }
      Thread.sleep(100);
    }
  }

  private Properties handle(Properties requestProperties) {
    VmRequest request = VmRequest.fromProperties(requestProperties);
    long start = System.nanoTime();
    out.console.println("KUBE_DSR_VM_REQUEST " + request);
    Properties result = new Properties();
    String moduleError = loadModules(request.modules());
    long modulesMillis = (System.nanoTime() - start) / 1_000_000;
    result.setProperty("modulesMillis", Long.toString(modulesMillis));
    List<VmTestResult> results = new ArrayList<>();
    if (moduleError != null) {
      result.setProperty("error", moduleError);
    } else {
      List<DiscoverySelector> selectors = new ArrayList<>();
      for (String id : request.selectors()) {
        selectors.add(DiscoverySelectors.parse(id)
            .orElseThrow(() -> new IllegalArgumentException("unknown selector " + id)));
      }
      LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request().selectors(selectors);
      if (!request.includeTags().isEmpty()) {
        builder.filters(TagFilter.includeTags(request.includeTags()));
      }
      if (!request.excludeTags().isEmpty()) {
        builder.filters(TagFilter.excludeTags(request.excludeTags()));
      }
      LauncherDiscoveryRequest discovery = builder.build();
      launcher.execute(discovery, new Recorder(results));
    }
    result.setProperty("count", Integer.toString(results.size()));
    for (int i = 0; i < results.size(); i++) {
      results.get(i).store(result, "r." + i + ".");
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    result.setProperty("vmMillis", Long.toString(millis));
    out.console.println("KUBE_DSR_VM_REQUEST_DONE " + results.size() + " results in " + millis + " ms"
        + (moduleError == null ? "" : ": " + moduleError));
    return result;
  }

  /** Returns null on success, else what modprobe said. */
  private static String loadModules(List<String> modules) {
    for (String module : modules) {
      try {
        Process p = new ProcessBuilder("modprobe", module).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
          output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int rc = p.waitFor();
        if (rc != 0) {
          return "modprobe " + module + " failed (exit " + rc + "): " + output.trim();
        }
      } catch (IOException e) {
        return "modprobe " + module + " failed: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted while loading " + module;
      }
    }
    return null;
  }

  /** Records outcomes and each test's captured output. Tests run one at a time in the launcher. */
  private final class Recorder implements TestExecutionListener {
    private final List<VmTestResult> results;
    private final Map<String, Long> started = new ConcurrentHashMap<>();

    Recorder(List<VmTestResult> results) {
      this.results = results;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
      started.put(id.getUniqueId(), System.nanoTime());
      if (id.isTest()) {
        out.startCapture();
        err.startCapture();
      }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
      results.add(result(id, VmTestResult.Status.SKIPPED, null, reason, null, "", "", 0));
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult outcome) {
      long millis = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
      String stdout = id.isTest() ? out.stopCapture() : "";
      String stderr = id.isTest() ? err.stopCapture() : "";
      VmTestResult.Status status = switch (outcome.getStatus()) {
        case SUCCESSFUL -> VmTestResult.Status.SUCCESSFUL;
        case ABORTED -> VmTestResult.Status.ABORTED;
        case FAILED -> VmTestResult.Status.FAILED;
      };
      if (!id.isTest() && status == VmTestResult.Status.SUCCESSFUL) {
        return;
      }
      Throwable t = outcome.getThrowable().orElse(null);
      results.add(result(id, status, t == null ? null : t.getClass().getName(),
          t == null ? null : t.getMessage(), t == null ? null : stackTrace(t), stdout, stderr, millis));
    }

    private VmTestResult result(TestIdentifier id, VmTestResult.Status status, String exceptionClass,
        String message, String trace, String stdout, String stderr, long millis) {
      String className = null;
      String methodName = null;
      var source = id.getSource().orElse(null);
      if (source instanceof MethodSource m) {
        className = m.getClassName();
        methodName = m.getMethodName();
      } else if (source instanceof ClassSource c) {
        className = c.getClassName();
      }
      return new VmTestResult(id.getUniqueId(), id.getDisplayName(), className, methodName, id.isTest(),
          status, exceptionClass, message, trace, stdout, stderr, millis);
    }
  }

  /** Tees a stream to the console (the VM's serial log) and, while a test runs, to a buffer. */
  static final class Capture extends OutputStream {
    final PrintStream console;
    private ByteArrayOutputStream buffer;

    Capture(PrintStream console) {
      this.console = console;
    }

    synchronized void startCapture() {
      buffer = new ByteArrayOutputStream();
    }

    synchronized String stopCapture() {
      String s = buffer == null ? "" : buffer.toString(StandardCharsets.UTF_8);
      buffer = null;
      return s;
    }

    @Override
    public synchronized void write(int b) {
      console.write(b);
      if (buffer != null) {
        buffer.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      console.write(b, off, len);
      if (buffer != null) {
        buffer.write(b, off, len);
      }
    }

    @Override
    public void flush() {
      console.flush();
    }
  }

  static String stackTrace(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return p;
  }

  /** Writes to a temporary name and renames, so the other side never sees half a file. */
  static void writeAtomically(Path file, Properties p) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, null);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
