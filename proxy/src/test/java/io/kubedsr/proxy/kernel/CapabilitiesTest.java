package io.kubedsr.proxy.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.kubedsr.proxy.kernel.Capabilities.Capability;

class CapabilitiesTest {
    /** /proc/self/status of root on this build machine: every capability but CAP_SYS_RESOURCE (24). */
    private static final String ROOT = """
            Name:\tcat
            Umask:\t0022
            CapInh:\t0000000000000000
            CapPrm:\t000001fffeffffff
            CapEff:\t000001fffeffffff
            CapBnd:\t000001fffeffffff
            CapAmb:\t0000000000000000
            NoNewPrivs:\t0
            """;

    @Test
    void readsTheEffectiveSetNotThePermittedOne() {
        String status = ROOT.replace("CapEff:\t000001fffeffffff", "CapEff:\t0000000000001000");
        assertThat(Capabilities.effective(status)).isEqualTo(1L << 12);
    }

    @Test
    void rootLacksNothing() {
        assertThat(Capabilities.missing(Capabilities.effective(ROOT))).isEmpty();
    }

    /** docker run --cap-drop ALL --cap-add NET_ADMIN --cap-add SYS_ADMIN --cap-add SYS_MODULE: 0x00210000 | 0x1000. */
    @Test
    void namesTheOneCapabilityAContainerWasNotGranted() {
        long granted = (1L << 12) | (1L << 16) | (1L << 21);
        assertThat(Capabilities.missing(granted)).containsExactly(Capability.SYS_PTRACE);
        String message = Capabilities.describe(Capabilities.missing(granted));
        assertThat(message).startsWith("missing capability CAP_SYS_PTRACE (open /proc/PID/ns/net")
                .contains("Nothing was changed").contains("NET_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_ADMIN");
    }

    @Test
    void anEmptySetLacksAllFour() {
        assertThat(Capabilities.missing(0)).containsExactly(Capability.values());
        assertThat(Capabilities.describe(Capabilities.missing(0))).startsWith("missing capabilities CAP_NET_ADMIN (");
    }

    @Test
    void aStatusWithoutCapEffIsAnError() {
        assertThatThrownBy(() -> Capabilities.effective("Name:\tx\n")).isInstanceOf(IllegalArgumentException.class);
    }
}
