package io.kubedsr.e2e.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the VM's pieces are: the kernel cache written by {@code e2e/vm/setup.sh} and the module's dirs. */
public final class VmEnvironment {

  /** Set to 1 by the VM's init for everything it runs in the chroot. */
  public static final String IN_VM_ENV = "KUBE_DSR_IN_VM";
  /** Overrides the kernel cache directory, for setup.sh, boot and the Java side alike. */
  public static final String CACHE_ENV = "KUBE_DSR_VM_CACHE";
  public static final String DEFAULT_CACHE = "/var/cache/kube-dsr-vm";

  private VmEnvironment() {}

  public static boolean inVm() {
    return "1".equals(System.getenv(IN_VM_ENV));
  }

  public static Path cacheDir() {
    String dir = System.getenv(CACHE_ENV);
    return Path.of(dir == null || dir.isBlank() ? DEFAULT_CACHE : dir);
  }

  /**
   * The {@code current.env} that setup.sh writes: KUBE_DSR_VM_KERNEL_VERSION, KUBE_DSR_VM_KERNEL,
   * KUBE_DSR_VM_INITRD, KUBE_DSR_VM_MODULES_ROOT.
   *
   * @throws IllegalStateException naming setup.sh when the cache is not prepared
   */
  public static Map<String, String> kernel() {
    Path env = cacheDir().resolve("current.env");
    if (!Files.isRegularFile(env)) {
      throw new IllegalStateException("The VM kernel is not prepared: " + env + " is missing. Run "
          + "'sudo bash e2e/vm/setup.sh' (set " + CACHE_ENV + " for another cache directory).");
    }
    Map<String, String> values = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(env)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String key : new String[] {"KUBE_DSR_VM_KERNEL", "KUBE_DSR_VM_INITRD"}) {
      String file = values.get(key);
      if (file == null || !Files.isRegularFile(Path.of(file))) {
        throw new IllegalStateException("The VM kernel cache is incomplete (" + key + "=" + file
            + " in " + env + "). Run 'sudo bash e2e/vm/setup.sh' again.");
      }
    }
    return values;
  }

  public static String kernelVersion() {
    return kernel().get("KUBE_DSR_VM_KERNEL_VERSION");
  }

  /** The e2e module directory (Maven's basedir; the working directory when run by surefire). */
  public static Path moduleDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  /** Holds the boot script; system property {@code kube-dsr.vm.dir} overrides. */
  public static Path scriptDir() {
    String dir = System.getProperty("kube-dsr.vm.dir");
    return dir != null ? Path.of(dir) : moduleDir().resolve("vm");
  }

  /** Console logs of every boot, timings, and the logs of timed-out scenarios. */
  public static Path logDir() {
    return moduleDir().resolve("target").resolve("vm-logs");
  }

  static Path shareRoot() {
    return moduleDir().resolve("target").resolve("vm-share");
  }
}
