package io.kubedsr.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.TestNamespace;

@Tag("hostkernel")
class RuleHostKernelTest {
    private TestNamespace ns;
    private Rtnetlink rtnl;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        rtnl = ns.rtnl();
    }

    @AfterEach
    void tearDown() {
        ns.close();
    }

    @Test
    void fwmarkRulesOfBothFamiliesListBackEqualAndDelete() {
        Rule v4 = Rule.fwmark(AddressFamily.INET, 32764, 0x2a, 78);
        Rule v6 = Rule.fwmark(AddressFamily.INET6, 32764, 0x2b, 78);
        Rule masked = new Rule(AddressFamily.INET, 32000, 0x100, 0xff00, null, null, 79);
        rtnl.addRule(v4);
        rtnl.addRule(v6);
        rtnl.addRule(masked);
        assertThat(rtnl.rules(AddressFamily.INET)).contains(v4, masked);
        assertThat(rtnl.rules(AddressFamily.INET6)).contains(v6);
        assertThat(ns.exec("ip", "rule", "show")).contains("32764:\tfrom all fwmark 0x2a lookup 78");

        rtnl.deleteRule(v4);
        rtnl.deleteRule(v6);
        assertThat(rtnl.rules(AddressFamily.INET)).doesNotContain(v4).contains(masked);
        assertThat(rtnl.rules(AddressFamily.INET6)).doesNotContain(v6);
    }

    @Test
    void sourceAndDestinationRules() {
        Rule r = new Rule(AddressFamily.INET, 100, 0, 0, IpPrefix.parse("10.244.0.0/16"), IpPrefix.parse("10.96.0.0/12"), 200);
        rtnl.addRule(r);
        assertThat(rtnl.rules(AddressFamily.INET)).contains(r);
        rtnl.deleteRule(r);
        assertThat(rtnl.rules(AddressFamily.INET)).doesNotContain(r);
    }

    @Test
    void duplicateIsAlreadyExistsAndMissingIsNotFound() {
        Rule r = Rule.fwmark(AddressFamily.INET, 32764, 0x77, 78);
        rtnl.addRule(r);
        assertThatThrownBy(() -> rtnl.addRule(r))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.alreadyExists()).isTrue());
        Rule missing = Rule.fwmark(AddressFamily.INET, 32764, 0x78, 78);
        assertThatThrownBy(() -> rtnl.deleteRule(missing))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.isNotFound()).isTrue());
    }
}
