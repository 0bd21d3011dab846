package io.kubedsr.proxy.nft;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

import io.kubedsr.netlink.TestNamespace;

/** The nftables contract against nft and this machine's kernel, in a fresh namespace. */
@Tag("hostkernel")
class NftTableContractHostKernelTest extends NftablesContract {
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
    protected Nftables fresh() {
        return new NftTable(ns.namespace());
    }

    @Override
    protected Nftables restarted() {
        return new NftTable(ns.namespace());
    }
}
