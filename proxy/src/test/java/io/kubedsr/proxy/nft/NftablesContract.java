package io.kubedsr.proxy.nft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.plan.ServiceTable;

/**
 * What kube-dsr's nftables seam must do, as nft and the kernel do it: run against {@link FakeNftables} and against
 * {@link NftTable} in a fresh namespace of the host's kernel (NftTableContractHostKernelTest).
 */
public abstract class NftablesContract {
    private static final VirtualServerKey.ByAddress WEB = (VirtualServerKey.ByAddress) VirtualServerKey.of(ip("198.51.100.10"),
            Protocol.TCP, 80);
    private static final VirtualServerKey.ByAddress DNS6 = (VirtualServerKey.ByAddress) VirtualServerKey.of(ip("2001:db8::53"),
            Protocol.UDP, 53);
    private static final VirtualServerKey.ByAddress LB = (VirtualServerKey.ByAddress) VirtualServerKey.of(ip("203.0.113.7"),
            Protocol.TCP, 80);

    /** A fresh table seam on a namespace without kube-dsr's table. */
    protected abstract Nftables fresh();

    /** Another seam on the same namespace: what a restarted agent gets. */
    protected abstract Nftables restarted();

    private static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }

    /** Two DSR services and a short-circuited LoadBalancer IP whose mark follows the DSR one's. */
    private static String table(int webMark) {
        List<DsrEntry> dsr = List.of(new DsrEntry(WEB, webMark), new DsrEntry(DNS6, 77));
        List<ServiceTable.ShortCircuited> shortCircuits = List.of(new ServiceTable.ShortCircuited(LB, 0x4000 | webMark));
        return NftRules.render(new NftRules.Input(List.of(VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80)), List.of(),
                List.of(ip("10.96.0.10")), List.of(IpPrefix.parse("10.244.0.0/16")), List.of(), false, true, dsr, 1500,
                Set.of(5555), null, List.of(), shortCircuits));
    }

    @Test
    void aNamespaceWithoutTheTableHasNoMarks() {
        assertThat(fresh().dsrMarks()).isEmpty();
        assertThat(fresh().shortCircuitMarks()).isEmpty();
    }

    @Test
    void shortCircuitMarksAreReadBackApartFromTheDsrMarks() {
        fresh().apply(table(42));
        Nftables again = restarted();
        assertThat(again.shortCircuitMarks()).isEqualTo(Map.of(LB, 0x4000 | 42));
        assertThat(again.dsrMarks()).isEqualTo(Map.of(WEB, 42, DNS6, 77));
        again.delete();
        assertThat(restarted().shortCircuitMarks()).isEmpty();
    }

    @Test
    void aTableIsWrittenOnceAndItsMarksReadBack() {
        Nftables nft = fresh();
        assertThat(nft.apply(table(42))).isTrue();
        assertThat(nft.apply(table(42))).as("the same table again").isFalse();
        assertThat(nft.dsrMarks()).isEqualTo(Map.of(WEB, 42, DNS6, 77));
        assertThat(nft.apply(table(43))).isTrue();
        assertThat(nft.dsrMarks()).containsEntry(WEB, 43);
    }

    @Test
    void aRestartedAgentFindsItsTableAndWritesNothing() {
        fresh().apply(table(42));
        Nftables again = restarted();
        assertThat(again.dsrMarks()).isEqualTo(Map.of(WEB, 42, DNS6, 77));
        assertThat(again.apply(table(42))).isFalse();
        assertThat(again.apply(table(44))).isTrue();
        assertThat(restarted().dsrMarks()).containsEntry(WEB, 44);
    }

    @Test
    void deletingTheTableLeavesNoMarksAndMayBeRepeated() {
        Nftables nft = fresh();
        nft.apply(table(42));
        nft.delete();
        assertThat(nft.dsrMarks()).isEmpty();
        nft.delete();
        assertThat(restarted().dsrMarks()).isEmpty();
        assertThat(nft.apply(table(42))).as("written again after the delete").isTrue();
    }
}
