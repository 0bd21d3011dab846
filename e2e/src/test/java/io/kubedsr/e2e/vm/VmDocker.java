package io.kubedsr.e2e.vm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container engine inside the VM, for the scenarios that run kube-dsr as it is deployed: started on first
 * use and kept for the rest of the boot, with the images that {@code e2e/vm/image} built on the host and saved
 * in the cache loaded into it. Before dockerd starts, cgroup v2 is mounted (containers' limits, memory.current)
 * and a tmpfs on /var/lib/docker (the VM's root is the host's, read-only; this hides the host engine's state).
 * dockerd runs without a bridge or iptables rules: every container is wired by the scenarios themselves
 * (network none, or another container's namespaces).
 */
public final class VmDocker {
    /** The images saved by {@code e2e/vm/image} ({@code image/images.env} in the VM cache). */
    public record Images(String agent, String agentId, String base, long agentBytes) {
    }

    private static final Path STATE = Path.of("/run/kube-dsr-docker");
    private static Images loaded;
    private static Process dockerd;

    private VmDocker() {
    }

    /** Where e2e/vm/image saves the images: the VM cache's image/ (in the VM: found from the modules root). */
    public static Path imageDir() {
        String modules = System.getenv("KUBE_DSR_VM_MODULES_ROOT");
        Path cache = VmEnvironment.inVm() && modules != null ? Path.of(modules).getParent().getParent() : VmEnvironment.cacheDir();
        return cache.resolve("image");
    }

    /** Starts dockerd if none answers and loads the saved images unless the engine has them; in the VM only. */
    public static synchronized Images ready() {
        if (!VmEnvironment.inVm()) {
            throw new IllegalStateException("VmDocker runs inside the VM");
        }
        if (!answers()) {
            start();
        }
        Images images = saved();
        if (!images.equals(loaded)) {
            VmCommands.Result id = VmCommands.tryRun("docker", "image", "inspect", "--format", "{{.Id}}", images.agent());
            if (id.exitCode() != 0 || !id.output().trim().equals(images.agentId())) {
                long t = System.nanoTime();
                VmCommands.run("docker", "load", "-q", "-i", imageDir().resolve("images.tar").toString());
                System.out.printf("VmDocker: loaded %s in %.1f s%n", images.agent(), (System.nanoTime() - t) / 1e9);
            }
            loaded = images;
        }
        return images;
    }

    static Images saved() {
        Path env = imageDir().resolve("images.env");
        if (!Files.isRegularFile(env)) {
            throw new IllegalStateException("no saved images (" + env + "): e2e/vm/image builds them on the host"
                    + " (the container scenarios' host side runs it, ProjectImage)");
        }
        Map<String, String> v = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(env)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    v.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Images(v.get("KUBE_DSR_IMAGE"), v.get("KUBE_DSR_IMAGE_ID"), v.get("KUBE_DSR_BASE_IMAGE"),
                Long.parseLong(v.getOrDefault("KUBE_DSR_IMAGE_SIZE", "0")));
    }

    private static boolean answers() {
        try {
            Process p = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void start() {
        try {
            String mounts = Files.readString(Path.of("/proc/mounts"));
            if (!mounts.contains(" /sys/fs/cgroup cgroup2 ")) {
                VmCommands.run("mount", "-t", "cgroup2", "cgroup2", "/sys/fs/cgroup");
            }
            if (!mounts.contains(" /var/lib/docker tmpfs ")) {
                VmCommands.run("mount", "-t", "tmpfs", "-o", "mode=0711", "tmpfs", "/var/lib/docker");
            }
            Files.createDirectories(STATE);
            // Not the host's /etc/docker/daemon.json (if any): that is for the host's engine. The trust key dockerd
            // 20.10 writes on first start goes to the tmpfs, not to the read-only /etc/docker.
            Files.writeString(STATE.resolve("daemon.json"), "{\"deprecated-key-path\": \"" + STATE.resolve("key.json") + "\"}\n");
            Path log = STATE.resolve("dockerd.log");
            long t = System.nanoTime();
            dockerd = new ProcessBuilder(List.of("dockerd", "--config-file", STATE.resolve("daemon.json").toString(),
                    "--pidfile", STATE.resolve("dockerd.pid").toString(),
                    "--iptables=false", "--ip-masq=false", "--ip-forward=false", "--bridge=none"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!answers()) {
                if (!dockerd.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("dockerd did not start in the VM: " + tail(log));
                }
                Thread.sleep(250);
            }
            System.out.printf("VmDocker: dockerd up in %.1f s%n", (System.nanoTime() - t) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }
}
