package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.Set;

import io.kubedsr.tunnel.Encapsulation;

/** What one pod's DSR receiver holds: VIPs of the pod IP's family, and GUE when any of its Services uses it. */
public record ReceiverSpec(Set<InetAddress> vips, Encapsulation encapsulation) {
    public ReceiverSpec {
        vips = Set.copyOf(vips);
    }
}
