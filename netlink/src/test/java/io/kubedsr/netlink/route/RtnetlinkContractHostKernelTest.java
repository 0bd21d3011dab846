package io.kubedsr.netlink.route;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

import io.kubedsr.netlink.TestNamespace;

/** The routing contract against the kernel, in a fresh namespace (VmSelectionsTest runs it in the VM's kernel too). */
@Tag("hostkernel")
class RtnetlinkContractHostKernelTest extends RoutingContract {
    private TestNamespace ns;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
    }

    @AfterEach
    void tearDown() {
        ns.close();
    }

    @Override
    protected Routing routing() {
        return ns.rtnl();
    }

    @Override
    protected LinkKind linkKind() {
        return new LinkKind.Bridge();
    }
}
