package io.kubedsr.netlink.route;

/** The in-memory namespace answers the routing contract as the kernel does (RtnetlinkContractHostKernelTest). */
class FakeRoutingContractTest extends RoutingContract {
    private final FakeRouting routing = new FakeRouting();

    @Override
    protected Routing routing() {
        return routing;
    }

    @Override
    protected LinkKind linkKind() {
        return new LinkKind.Dummy();
    }
}
