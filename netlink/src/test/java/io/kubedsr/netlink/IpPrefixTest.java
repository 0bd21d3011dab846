package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpPrefixTest {

    @Test
    void formatsIpv6InTheShortFormIproute2Prints() {
        assertThat(IpPrefix.format(IpPrefix.parseAddress("fd00:0:0:0:0:0:0:1"))).isEqualTo("fd00::1");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("::"))).isEqualTo("::");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("::1"))).isEqualTo("::1");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("fd00:1::"))).isEqualTo("fd00:1::");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("2001:0:0:1:0:0:0:1"))).isEqualTo("2001:0:0:1::1");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("10.0.0.1"))).isEqualTo("10.0.0.1");
        assertThat(IpPrefix.parse("fd00:96::/108").toString()).isEqualTo("fd00:96::/108");
    }

    @Test
    void parsesOnlyLiteralsAndChecksLengths() {
        assertThat(IpPrefix.parse("10.244.1.0/24").contains(IpPrefix.parseAddress("10.244.1.77"))).isTrue();
        assertThat(IpPrefix.parse("10.244.1.0/24").contains(IpPrefix.parseAddress("10.244.2.1"))).isFalse();
        assertThat(IpPrefix.parse("10.244.1.9/24").network()).isEqualTo(IpPrefix.parseAddress("10.244.1.0"));
        assertThatThrownBy(() -> IpPrefix.parseAddress("example.com")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> IpPrefix.parseAddress("300.1.1.1")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> IpPrefix.parse("10.0.0.0/33")).hasMessageContaining("prefix length 33");
    }

    @org.junit.jupiter.api.Test
    void parsesLiteralsOnlyAndNeverAHostName() {
        assertThat(IpPrefix.format(IpPrefix.parseAddress(" 10.244.1.2 "))).isEqualTo("10.244.1.2");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("0.0.0.0"))).isEqualTo("0.0.0.0");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("255.255.255.255"))).isEqualTo("255.255.255.255");
        assertThat(IpPrefix.format(IpPrefix.parseAddress("2001:db8::1"))).isEqualTo("2001:db8::1");
        for (String bad : new String[] {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.0004", "",
                "localhost", "host.example", "a.b.c.d", "1.2.3.4/32", "fd00::g"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> IpPrefix.parseAddress(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
