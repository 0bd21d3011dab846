package io.kubedsr.proxy.bench;

import java.time.Instant;

import io.kubedsr.proxy.FakeNodeKernel;
import io.kubedsr.proxy.Main;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.process.ProcessStart;

/**
 * The agent's {@code main} with the node's kernel in memory ({@link FakeNodeKernel}): what {@code bench/startup.sh}
 * starts on a host whose kernel has no IPVS, to measure the JVM, the API list and planning natively. The kernel
 * writes it reports are the fakes', not a kernel's.
 */
public final class InMemoryKernelAgent {
    private InMemoryKernelAgent() {
    }

    public static void main(String[] args) {
        Instant entered = Instant.now();
        Main.run(AgentFlags.parse(args), ProcessStart.of(entered, entered), entered, FakeNodeKernel::new);
    }
}
