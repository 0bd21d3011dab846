package io.kubedsr.proxy.dsr;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Rtnetlink;

/** The director's policy routing against this host's kernel, in a fresh namespace (rules and table 78). */
@Tag("hostkernel")
class DsrRoutingHostKernelTest {
    private TestNamespace ns;
    private Rtnetlink rtnl;
    private DsrRouting routing;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        rtnl = ns.namespace().openRtnetlink();
        routing = new DsrRouting(rtnl);
        ns.exec("ip", "link", "set", "lo", "up");
    }

    @AfterEach
    void tearDown() {
        rtnl.close();
        ns.close();
    }

    @Test
    void addsWhatMarksNeedOnceAndRemovesOnlyItsOwn() {
        // another party's rules: a mark outside the DSR range, and another priority
        ns.exec("ip", "rule", "add", "prio", "32764", "fwmark", "0x9999", "lookup", "78");
        ns.exec("ip", "rule", "add", "prio", "100", "fwmark", "0x5", "lookup", "100");

        assertThat(routing.addMissing(Map.of(AddressFamily.INET, Set.of(5, 6, 7), AddressFamily.INET6, Set.of(9))))
                .as("two local default routes and four rules").isEqualTo(6);
        assertThat(routing.removeUnwanted(Map.of(AddressFamily.INET, Set.of(5, 6, 7), AddressFamily.INET6, Set.of(9))))
                .as("all wanted").isZero();
        assertThat(routing.ruleMarks(AddressFamily.INET)).containsExactlyInAnyOrder(5, 6, 7);
        assertThat(ns.exec("ip", "route", "show", "table", "78")).contains("local default dev lo");
        assertThat(ns.exec("ip", "-6", "route", "show", "table", "78")).contains("local default dev lo");
        assertThat(ns.exec("ip", "-6", "rule")).contains("32764:\tfrom all fwmark 0x9 lookup 78");
        assertThat(routing.addMissing(Map.of(AddressFamily.INET, Set.of(5, 6, 7), AddressFamily.INET6, Set.of(9))))
                .as("nothing missing").isZero();

        assertThat(routing.removeUnwanted(Map.of(AddressFamily.INET, Set.of(5))))
                .as("rules 6, 7 and 9, and the IPv6 local default route").isEqualTo(4);
        assertThat(routing.ruleMarks(AddressFamily.INET)).containsExactly(5);
        assertThat(routing.ruleMarks(AddressFamily.INET6)).isEmpty();
        assertThat(ns.exec("ip", "-6", "route", "show", "table", "78")).isBlank();

        assertThat(routing.removeUnwanted(Map.of())).isEqualTo(2);
        assertThat(ns.exec("ip", "route", "show", "table", "78")).isBlank();
        assertThat(ns.exec("ip", "rule")).as("the other party's rules stay").contains("fwmark 0x9999 lookup 78")
                .contains("100:\tfrom all fwmark 0x5 lookup 100").doesNotContain("fwmark 0x6");
    }

    /** Rules go in pipelined batches of 256: several batches, and each rule of them, reach the kernel. */
    @Test
    void manyMarksTakeSeveralBatches() {
        Set<Integer> marks = new HashSet<>();
        for (int m = 1; m <= 600; m++) {
            marks.add(m);
        }
        assertThat(routing.addMissing(Map.of(AddressFamily.INET, marks))).isEqualTo(601);
        assertThat(routing.ruleMarks(AddressFamily.INET)).hasSize(600).containsAll(marks);
        assertThat(routing.removeUnwanted(Map.of(AddressFamily.INET, Set.of(600)))).isEqualTo(599);
        assertThat(routing.ruleMarks(AddressFamily.INET)).containsExactly(600);
    }
}
