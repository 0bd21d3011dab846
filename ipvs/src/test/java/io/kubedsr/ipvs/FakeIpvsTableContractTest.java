package io.kubedsr.ipvs;

/** The in-memory IPVS table answers the contract as the kernel does (the kernel's side runs in the VM). */
class FakeIpvsTableContractTest extends IpvsTableContract {
    private final FakeIpvsTable table = new FakeIpvsTable();

    @Override
    protected IpvsTable table() {
        return table;
    }

    @Override
    protected void makeSchedulerUnavailable(String name) {
        table.withoutScheduler(name);
    }

    @Override
    protected void overflowAcknowledgements(boolean overflow) {
        table.overflowAcknowledgements(overflow);
    }
}
