package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.kubedsr.netlink.IpPrefix;

/**
 * In-memory pods and their DSR receivers, answering as {@link DsrPods} does on a kernel (PodReceiversContract runs
 * the same cases against both): a pod is found by its IP or the receiver fails with a reason; like DsrPods it
 * remembers what it applied, so an unchanged receiver is not looked at again except in a full pass; a receiver is
 * removed only where the pod still is; like DsrPods' guards it refuses every receiver while no node address is known
 * (a receiver without a guard would accept encapsulated packets from anyone).
 */
public final class FakePodReceivers implements PodReceivers {
    /** The "kernel": every pod namespace on the node, with its receiver (null: none). */
    private final Map<InetAddress, ReceiverSpec> pods = new HashMap<>();
    /** What this agent last applied. */
    private final Map<InetAddress, ReceiverSpec> applied = new HashMap<>();
    private long writes;
    private Set<InetAddress> nodeAddresses = Set.of();
    private boolean fou = true;

    /** The node's kernel without the fou module: receivers take IPIP only, and asked for GUE ports they fail. */
    public FakePodReceivers withoutFou() {
        fou = false;
        return this;
    }

    /** The fou module is loaded after all. */
    public void loadFou() {
        fou = true;
    }

    @Override
    public boolean gueSupported() {
        return fou;
    }

    /** A pod (a network namespace holding the IP) appears on the node. */
    public void createPod(InetAddress ip) {
        pods.putIfAbsent(ip, null);
    }

    /** The pod and its namespace are gone. */
    public void deletePod(InetAddress ip) {
        pods.remove(ip);
    }

    @Override
    public void allowEncapsulationFrom(Set<InetAddress> addresses) {
        nodeAddresses = Set.copyOf(addresses);
    }

    @Override
    public Map<InetAddress, String> ensure(Map<InetAddress, ReceiverSpec> wanted, boolean full) {
        Map<InetAddress, String> failed = new LinkedHashMap<>();
        for (Map.Entry<InetAddress, ReceiverSpec> e : wanted.entrySet()) {
            InetAddress pod = e.getKey();
            if (!full && e.getValue().equals(applied.get(pod))) {
                continue;
            }
            if (!pods.containsKey(pod)) {
                failed.put(pod, "no network namespace on this node holds pod IP " + IpPrefix.format(pod)
                        + " (the agent needs hostPID and /run/netns)");
                applied.remove(pod);
                continue;
            }
            if (nodeAddresses.isEmpty()) {
                failed.put(pod, "DSR receiver in pod " + IpPrefix.format(pod)
                        + " failed: no node address is known yet; the receiver would accept anyone");
                applied.remove(pod);
                continue;
            }
            if (!fou && !e.getValue().guePorts().isEmpty()) {
                // As DsrPods: link and VIPs are made, then opening the first GUE port finds no fou family.
                pods.put(pod, new ReceiverSpec(e.getValue().vips(), Set.of()));
                writes++;
                failed.put(pod, "DSR receiver in pod " + IpPrefix.format(pod) + " failed: generic netlink family fou: ENOENT");
                applied.remove(pod);
                continue;
            }
            if (!e.getValue().equals(pods.get(pod))) {
                pods.put(pod, e.getValue());
                writes++;
            }
            applied.put(pod, e.getValue());
        }
        return failed;
    }

    @Override
    public int removeUnwanted(Map<InetAddress, ReceiverSpec> wanted) {
        int removed = 0;
        for (InetAddress pod : Map.copyOf(applied).keySet()) {
            if (wanted.containsKey(pod)) {
                continue;
            }
            applied.remove(pod);
            if (pods.containsKey(pod) && pods.get(pod) != null) {
                pods.put(pod, null);
                writes++;
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int removeEverywhere() {
        int removed = 0;
        for (Map.Entry<InetAddress, ReceiverSpec> e : pods.entrySet()) {
            if (e.getValue() != null) {
                e.setValue(null);
                writes++;
                removed++;
            }
        }
        applied.clear();
        return removed;
    }

    @Override
    public Optional<ReceiverSpec> read(InetAddress pod) {
        return Optional.ofNullable(pods.get(pod));
    }

    @Override
    public long writes() {
        return writes;
    }
}
