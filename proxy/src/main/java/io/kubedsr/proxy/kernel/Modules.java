package io.kubedsr.proxy.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the kernel modules the agent needs with modprobe. IPVS (and fou) must be loaded explicitly: their
 * generic netlink families declare no autoload alias, so resolving the family does not load them. Link
 * kinds (dummy, ipip) and IPVS schedulers do load on demand. A module already loaded ({@code /sys/module/NAME},
 * as after every restart of the agent) costs no modprobe run. A failure is logged; what is missing then fails with
 * a clear typed error where it is used.
 */
public final class Modules {
    private static final Logger LOG = LoggerFactory.getLogger(Modules.class);

    private Modules() {
    }

    public static void load(List<String> modules) {
        for (String m : modules) {
            if (Files.isDirectory(Path.of("/sys/module", m))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder("modprobe", m).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes()).trim();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    LOG.warn("modprobe module={} failed: {}", m, out);
                }
            } catch (IOException e) {
                LOG.warn("modprobe module={} could not run: {}", m, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
