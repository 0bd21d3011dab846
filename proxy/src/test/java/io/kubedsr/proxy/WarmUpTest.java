package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The image build's training start: it must run through without a cluster or a kernel (only a loopback socket). */
class WarmUpTest {
    @Test
    void runsThroughWithoutClusterOrKernel() throws Exception {
        assertThat(WarmUp.run()).isZero();
    }
}
