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
class AddressHostKernelTest {
    private TestNamespace ns;
    private Rtnetlink rtnl;
    private int dummy;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        rtnl = ns.rtnl();
        dummy = rtnl.addLink("kube-dummy-if", new LinkKind.Bridge()).index();
        rtnl.setUp(dummy);
    }

    @AfterEach
    void tearDown() {
        ns.close();
    }

    @Test
    void ipv4AndIpv6AddressesListBackEqualAndDelete() {
        Address v4 = new Address(dummy, IpPrefix.parse("10.96.0.10/32"), RouteScope.UNIVERSE, false);
        Address v6 = new Address(dummy, IpPrefix.parse("fd00:96::10/128"), RouteScope.UNIVERSE, true);
        Address v4net = new Address(dummy, IpPrefix.parse("192.168.7.1/24"), RouteScope.LINK, false);
        rtnl.addAddress(v4);
        rtnl.addAddress(v6);
        rtnl.addAddress(v4net);

        assertThat(rtnl.addresses(AddressFamily.INET)).contains(v4, v4net);
        assertThat(rtnl.addresses(AddressFamily.INET6)).contains(v6);
        assertThat(rtnl.addresses(dummy)).contains(v4, v6, v4net);
        // nodad: usable at once, never "tentative"
        String line = ns.exec("ip", "-6", "-o", "addr", "show", "dev", "kube-dummy-if").lines()
                .filter(l -> l.contains("fd00:96::10/128")).findFirst().orElseThrow();
        assertThat(line).contains("nodad").doesNotContain("tentative");

        rtnl.deleteAddress(v4);
        rtnl.deleteAddress(v6);
        assertThat(rtnl.addresses(dummy)).doesNotContain(v4, v6).contains(v4net);
    }

    @Test
    void duplicateIsAlreadyExistsAndMissingIsNotFound() {
        Address a = Address.of(dummy, IpPrefix.parse("10.0.0.1/32"));
        rtnl.addAddress(a);
        assertThatThrownBy(() -> rtnl.addAddress(a))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.alreadyExists()).isTrue());
        Address missing = Address.of(dummy, IpPrefix.parse("10.0.0.2/32"));
        assertThatThrownBy(() -> rtnl.deleteAddress(missing))
                .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.isNotFound()).isTrue());
    }
}
