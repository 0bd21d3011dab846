package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.Set;

/**
 * What one pod's DSR receiver holds: VIPs of the pod IP's family, and the ports it takes GUE on. It takes IPIP
 * always and GUE on these ports whatever its Services' encapsulation is (ReceivePorts), so switching a Service
 * between IPIP and GUE never leaves a director sending what the receiver does not take.
 */
public record ReceiverSpec(Set<InetAddress> vips, Set<Integer> guePorts) {
    public ReceiverSpec {
        vips = Set.copyOf(vips);
        guePorts = Set.copyOf(guePorts);
    }
}
