package io.kubedsr.e2e.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs shell commands in scenarios (typically inside the VM) and returns their output. */
public final class VmCommands {

  private VmCommands() {}

  public record Result(int exitCode, String output) {}

  /** Runs the command, stdout and stderr merged; fails unless it exits 0. Echoes it to System.out. */
  public static String run(String... command) {
    Result r = tryRun(command);
    if (r.exitCode() != 0) {
      throw new AssertionError("`" + String.join(" ", command) + "` exited " + r.exitCode() + ":\n" + r.output());
    }
    return r.output();
  }

  /** Runs the command in network namespace {@code netns} ({@code ip netns exec}). */
  public static String inNetns(String netns, String... command) {
    String[] full = new String[command.length + 4];
    full[0] = "ip";
    full[1] = "netns";
    full[2] = "exec";
    full[3] = netns;
    System.arraycopy(command, 0, full, 4, command.length);
    return run(full);
  }

  public static Result tryRun(String... command) {
    System.out.println("$ " + String.join(" ", command));
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("`" + String.join(" ", command) + "` did not finish in 120 s");
      }
      System.out.print(out);
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
