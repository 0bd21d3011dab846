package io.kubedsr.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.config.FlagParseException;

class ListenAddressesTest {
    private static final List<java.net.InetAddress> NODE = List.of(IpPrefix.parseAddress("192.168.1.10"),
            IpPrefix.parseAddress("fd00:1::10"));

    private static AgentConfig flags(String... args) {
        return AgentFlags.parse(args);
    }

    @Test
    void healthCheckNodePortsListenWhereNodePortsAreServedAndOnlyForServedFamilies() {
        assertThat(ListenAddresses.healthCheckNodePorts(flags(), NODE)).containsExactly("192.168.1.10");
        assertThat(ListenAddresses.healthCheckNodePorts(flags("--enable-ipv6"), NODE)).containsExactly("192.168.1.10", "fd00:1::10");
        assertThat(ListenAddresses.healthCheckNodePorts(flags("--enable-ipv4=false", "--enable-ipv6"), NODE))
                .containsExactly("fd00:1::10");
        assertThat(ListenAddresses.healthCheckNodePorts(flags("--nodeport-bindon-all-ip"), NODE)).containsExactly("0.0.0.0");
        assertThat(ListenAddresses.healthCheckNodePorts(flags(), List.of())).as("before the Node is known: nowhere").isEmpty();
    }

    @Test
    void anEmptyAddressIsTheWildcardOfTheServedFamiliesAndAGivenOneMustBeAnIp() {
        assertThat(ListenAddresses.orWildcard("", flags())).isEqualTo("0.0.0.0");
        assertThat(ListenAddresses.orWildcard("", flags("--enable-ipv6"))).isEqualTo("::");
        assertThat(flags("--health-addr=192.168.1.10").healthAddr()).isEqualTo("192.168.1.10");
        assertThat(flags("--metrics-addr=FD00:1:0::10").metricsAddr()).isEqualTo("fd00:1::10");
        assertThatThrownBy(() -> flags("--health-addr=localhost")).isInstanceOf(FlagParseException.class)
                .hasMessageContaining("--health-addr");
    }
}
