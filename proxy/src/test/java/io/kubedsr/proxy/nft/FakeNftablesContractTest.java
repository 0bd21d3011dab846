package io.kubedsr.proxy.nft;

/** The in-memory table answers the nftables contract as nft does (NftTableContractHostKernelTest). */
class FakeNftablesContractTest extends NftablesContract {
    private final FakeNftables.Kernel kernel = new FakeNftables.Kernel();

    @Override
    protected Nftables fresh() {
        return new FakeNftables(kernel);
    }

    @Override
    protected Nftables restarted() {
        return new FakeNftables(kernel);
    }
}
