package io.kubedsr.proxy.dsr;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;

/**
 * What the DSR receivers seam must do, as the kernel does it: run against {@link FakePodReceivers} on every build
 * and against {@link DsrPods} with real pod namespaces in the VM (e2e's PodReceiversContractRealKernelTest).
 */
public abstract class PodReceiversContract {
    protected static final InetAddress POD = IpPrefix.parseAddress("10.244.1.5");
    protected static final InetAddress POD6 = IpPrefix.parseAddress("fd00:244::5");
    private static final InetAddress VIP1 = IpPrefix.parseAddress("198.51.100.10");
    private static final InetAddress VIP2 = IpPrefix.parseAddress("198.51.100.11");
    private static final InetAddress VIP6 = IpPrefix.parseAddress("2001:db8::10");
    private static final InetAddress OTHER_NODE = IpPrefix.parseAddress("192.0.2.2");

    /** The receivers under test, knowing no node address yet. */
    protected abstract PodReceivers bare();

    /** The receivers with the cluster's node addresses known, as the engine hands them over from the Node informer. */
    private PodReceivers receivers() {
        PodReceivers r = bare();
        r.allowEncapsulationFrom(Set.of(OTHER_NODE));
        return r;
    }

    /** A pod namespace holding this IP appears on the node. */
    protected abstract void createPod(InetAddress ip);

    private static final Set<Integer> GUE = Set.of(5555);

    private static ReceiverSpec spec(Set<Integer> guePorts, InetAddress... vips) {
        return new ReceiverSpec(Set.of(vips), guePorts);
    }

    @Test
    void aReceiverHoldsExactlyTheWantedVips() {
        PodReceivers r = receivers();
        createPod(POD);
        assertThat(r.ensure(Map.of(POD, spec(GUE, VIP1, VIP2)), false)).isEmpty();
        assertThat(r.read(POD)).contains(spec(GUE, VIP1, VIP2));
        assertThat(r.ensure(Map.of(POD, spec(GUE, VIP2)), false)).isEmpty();
        assertThat(r.read(POD)).contains(spec(GUE, VIP2));
    }

    /** The contract runs where the fou module is loaded: GUE is supported (KernelRefusalsRealKernelTest has a node without). */
    @Test
    void aKernelWithTheFouModuleTakesGue() {
        assertThat(receivers().gueSupported()).isTrue();
    }

    /**
     * The ports move without a moment on neither (the new one opens before the old closes; the kernel test
     * checks the final states, the order is DsrReceivers'), and none is a receiver that takes IPIP only.
     */
    @Test
    void aReceiversGuePortsMoveAndCanBeNone() {
        PodReceivers r = receivers();
        createPod(POD);
        r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        assertThat(r.read(POD)).contains(spec(GUE, VIP1));
        r.ensure(Map.of(POD, spec(Set.of(5555, 6666), VIP1)), false);
        assertThat(r.read(POD)).contains(spec(Set.of(5555, 6666), VIP1));
        r.ensure(Map.of(POD, spec(Set.of(6666), VIP1)), false);
        assertThat(r.read(POD)).contains(spec(Set.of(6666), VIP1));
        r.ensure(Map.of(POD, spec(Set.of(), VIP1)), false);
        assertThat(r.read(POD)).contains(spec(Set.of(), VIP1));
    }

    /** A receiver keeps taking GUE while the VIPs it holds come and go: only the last VIP takes the port away. */
    @Test
    void aReceiverKeepsItsGuePortsWhileItsVipsChange() {
        PodReceivers r = receivers();
        createPod(POD);
        r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        r.ensure(Map.of(POD, spec(GUE, VIP1, VIP2)), false);
        assertThat(r.read(POD)).contains(spec(GUE, VIP1, VIP2));
        r.ensure(Map.of(POD, spec(GUE, VIP2)), false);
        assertThat(r.read(POD)).contains(spec(GUE, VIP2));
        assertThat(r.removeUnwanted(Map.of())).isEqualTo(1);
        assertThat(r.read(POD)).isEmpty();
    }

    @Test
    void anIpv6PodGetsAnIpv6Receiver() {
        PodReceivers r = receivers();
        createPod(POD6);
        assertThat(r.ensure(Map.of(POD6, spec(GUE, VIP6)), false)).isEmpty();
        assertThat(r.read(POD6)).contains(spec(GUE, VIP6));
    }

    @Test
    void aPodNoNamespaceHoldsFailsWithItsIp() {
        PodReceivers r = receivers();
        Map<InetAddress, String> failed = r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        assertThat(failed).containsOnlyKeys(POD);
        assertThat(failed.get(POD)).contains("10.244.1.5");
        assertThat(r.read(POD)).isEmpty();
    }

    @Test
    void noReceiverBeforeAnyNodeAddressIsKnown() {
        PodReceivers r = bare();
        createPod(POD);
        Map<InetAddress, String> failed = r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        assertThat(failed).containsOnlyKeys(POD);
        assertThat(failed.get(POD)).contains("no node address is known");
        assertThat(r.read(POD)).isEmpty();
        r.allowEncapsulationFrom(Set.of(OTHER_NODE));
        assertThat(r.ensure(Map.of(POD, spec(GUE, VIP1)), false)).isEmpty();
        assertThat(r.read(POD)).contains(spec(GUE, VIP1));
    }

    @Test
    void anUnchangedReceiverIsWrittenOnce() {
        PodReceivers r = receivers();
        createPod(POD);
        r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        long writes = r.writes();
        r.ensure(Map.of(POD, spec(GUE, VIP1)), false);
        r.ensure(Map.of(POD, spec(GUE, VIP1)), true);
        assertThat(r.writes()).isEqualTo(writes);
    }

    @Test
    void receiversNobodyWantsAreRemoved() {
        PodReceivers r = receivers();
        createPod(POD);
        createPod(POD6);
        r.ensure(Map.of(POD, spec(GUE, VIP1), POD6, spec(GUE, VIP6)), false);
        assertThat(r.removeUnwanted(Map.of(POD6, spec(GUE, VIP6)))).isEqualTo(1);
        assertThat(r.read(POD)).isEmpty();
        assertThat(r.read(POD6)).isPresent();
        assertThat(r.removeEverywhere()).isEqualTo(1);
        assertThat(r.read(POD6)).isEmpty();
    }
}
