package io.kubedsr.proxy.encap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.tunnel.FouPort;

/** The one rule for where a node takes GUE, and that the guards cover exactly those ports. */
class ReceivePortsTest {
    private static AgentConfig flags(String... args) {
        return AgentFlags.parse(args);
    }

    @Test
    void anIpipNodeTakesGueOnItsPortAllTheSameAndItsGuardCoversIt() {
        AgentConfig ipip = flags("--overlay-encap=ipip");
        assertThat(ReceivePorts.node(ipip)).containsExactly(new FouPort(AddressFamily.INET, 5555));
        assertThat(ReceivePorts.nodePortNumbers(ipip)).containsExactly(5555);
        assertThat(ReceivePorts.receivers(ipip)).containsExactly(5555);
        AgentConfig gue = flags("--overlay-encap=fou");
        assertThat(ReceivePorts.node(gue)).isEqualTo(ReceivePorts.node(ipip));
        assertThat(ReceivePorts.nodePortNumbers(gue)).isEqualTo(ReceivePorts.nodePortNumbers(ipip));
    }

    @Test
    void aPortMoveTakesBothPortsOnTheNodeInItsGuardAndInTheReceivers() {
        AgentConfig moving = flags("--overlay-encap-port=6666", "--overlay-encap-receive-ports=5555",
                "--enable-ipv6=true");
        assertThat(ReceivePorts.of(moving)).isEqualTo(Set.of(5555, 6666));
        assertThat(ReceivePorts.nodePortNumbers(moving)).isEqualTo(List.of(5555, 6666));
        assertThat(ReceivePorts.node(moving)).containsExactly(new FouPort(AddressFamily.INET, 5555),
                new FouPort(AddressFamily.INET, 6666), new FouPort(AddressFamily.INET6, 5555),
                new FouPort(AddressFamily.INET6, 6666));
        assertThat(ReceivePorts.receivers(moving)).isEqualTo(Set.of(5555, 6666));
    }

    @Test
    void withoutTheOverlayTheNodeOpensAndGuardsNoPortButReceiversKeepTheirs() {
        AgentConfig off = flags("--enable-overlay=false", "--overlay-encap=fou");
        assertThat(ReceivePorts.node(off)).isEmpty();
        assertThat(ReceivePorts.nodePortNumbers(off)).isEmpty();
        assertThat(ReceivePorts.receivers(off)).containsExactly(5555);
    }
}
