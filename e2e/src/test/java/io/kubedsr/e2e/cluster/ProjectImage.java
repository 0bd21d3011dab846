package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.kubedsr.e2e.vm.VmEnvironment;

/**
 * On the host, before a container scenario class is sent to the VM: builds the agent image on the host's engine
 * (native speed) and saves it for the VM's engine, with {@code e2e/vm/image}, once per test run. Inside the VM
 * it does nothing: VmDocker loads what was saved.
 */
public final class ProjectImage implements BeforeAllCallback {
    private static boolean built;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (!VmEnvironment.inVm()) {
            build();
        }
    }

    private static synchronized void build() throws IOException, InterruptedException {
        if (built) {
            return;
        }
        long t = System.nanoTime();
        Process p = new ProcessBuilder(VmEnvironment.scriptDir().resolve("image").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("e2e/vm/image failed:\n" + out);
        }
        System.out.print(out);
        System.out.printf("ProjectImage: e2e/vm/image took %.1f s%n", (System.nanoTime() - t) / 1e9);
        built = true;
    }
}
