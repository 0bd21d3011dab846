package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.TestNamespace;

/** The CLI on the host kernel, which has no IPVS: clear one-line errors and exit codes, never a stack trace. */
class StatusCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return StatusCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void saysIpvsIsNotAvailableInAKernelWithoutIt() {
        try (TestNamespace ns = TestNamespace.create()) {
            assertThat(run("--netns", ns.name(), "-o", "json")).isEqualTo(1);
            assertThat(err()).isEqualTo("kube-dsr status: IPVS not available in this kernel (no ip_vs module loaded: modprobe ip_vs)\n");
            assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        }
    }

    @Test
    void acceptsANamespacePath() {
        try (TestNamespace ns = TestNamespace.create()) {
            assertThat(run("--netns=/run/netns/" + ns.name())).isEqualTo(1);
            assertThat(err()).startsWith("kube-dsr status: IPVS not available in this kernel");
        }
    }

    @Test
    void aMissingNamespaceIsOneLine() {
        assertThat(run("--netns", "kdsr-no-such-namespace")).isEqualTo(1);
        assertThat(err()).isEqualTo("kube-dsr status: no network namespace /run/netns/kdsr-no-such-namespace\n");
    }

    @Test
    void badArgumentsExitTwoWithUsage() {
        assertThat(run("-o", "yaml")).isEqualTo(2);
        assertThat(err()).startsWith("kube-dsr status: unknown output format yaml (table or json)\nUsage: kube-dsr status");
        err.reset();
        assertThat(run("--bogus")).isEqualTo(2);
        assertThat(err()).startsWith("kube-dsr status: unknown argument --bogus\n");
        err.reset();
        assertThat(run("--netns")).isEqualTo(2);
        assertThat(err()).startsWith("kube-dsr status: --netns needs a value\n");
    }

    @Test
    void helpGoesToStandardOutput() {
        assertThat(run("--help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("Usage: kube-dsr status [--kubeconfig PATH]");
    }
}
