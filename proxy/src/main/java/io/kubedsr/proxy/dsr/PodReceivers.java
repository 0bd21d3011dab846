package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The DSR receivers in this node's pods, as the service engine sees them: one narrow seam. {@link DsrPods}
 * finds pod namespaces and programs them through the tunnel module; engine tests use an in-memory one that a
 * contract test (PodReceiversContract) holds to what the kernel does.
 */
public interface PodReceivers {
    /**
     * Makes each pod's receiver hold what {@code wanted} says (all of them when {@code full}, else those that
     * changed since the last call); returns the pods that could not get one, with the reason.
     */
    Map<InetAddress, String> ensure(Map<InetAddress, ReceiverSpec> wanted, boolean full);

    /**
     * Whether this node's kernel can take GUE in a pod (the fou module is there). Without it a receiver takes
     * IPIP only: asked for GUE ports, it fails. Once true it stays true (a module in use is not unloaded).
     */
    boolean gueSupported();

    /** Removes the receivers of pods no longer in {@code wanted}; returns how many. */
    int removeUnwanted(Map<InetAddress, ReceiverSpec> wanted);

    /** Removes every receiver in every pod namespace of this node (--cleanup-config); returns how many. */
    int removeEverywhere();

    /** The pod's receiver as the kernel holds it now (empty when the pod has none or is not found). */
    Optional<ReceiverSpec> read(InetAddress pod);

    /** Kernel writes issued so far. */
    long writes();

    /** How many entries its caches hold, by name (the agent's cache gauge); none by default. */
    default Map<String, Integer> cacheSizes() {
        return Map.of();
    }

    /**
     * Every Node's addresses: the only sources (with this node's own) a receiver's guard lets encapsulated packets
     * in from (docs/security.md). Receivers without guards (fakes, {@link #NONE}) ignore it.
     */
    default void allowEncapsulationFrom(Set<InetAddress> nodeAddresses) {
    }

    /** No pods to program: tools that only read, and engines without DSR receivers. */
    PodReceivers NONE = new PodReceivers() {
        @Override
        public Map<InetAddress, String> ensure(Map<InetAddress, ReceiverSpec> wanted, boolean full) {
            return Map.of();
        }

        @Override
        public boolean gueSupported() {
            return true;
        }

        @Override
        public int removeUnwanted(Map<InetAddress, ReceiverSpec> wanted) {
            return 0;
        }

        @Override
        public int removeEverywhere() {
            return 0;
        }

        @Override
        public Optional<ReceiverSpec> read(InetAddress pod) {
            return Optional.empty();
        }

        @Override
        public long writes() {
            return 0;
        }
    };
}
