package io.kubedsr.proxy.encap;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.tunnel.FouPort;

/**
 * The one rule for where this node accepts GUE (docs/tunnels.md, "Switching encapsulation"): a receiving end
 * takes IPIP always (its ipip/ip6tnl link does that whatever it sends) and GUE on {@code --overlay-encap-port}
 * and {@code --overlay-encap-receive-ports}, whatever its own {@code --overlay-encap} says. So a peer or a director
 * can switch to either encapsulation at any moment, one node at a time, and no receiver ever drops what it sends.
 * <ul>
 * <li>the node (overlay tunnels): while the overlay is enabled;</li>
 * <li>DSR receivers in pods: always.</li>
 * </ul>
 * The ports are guarded like IPIP: only the cluster's node addresses may send to them (EncapGuard, ReceiverGuards,
 * docs/security.md).
 */
public final class ReceivePorts {
    private ReceivePorts() {
    }

    /** Every port GUE is accepted on: {@code --overlay-encap-port} and {@code --overlay-encap-receive-ports}, sorted. */
    public static Set<Integer> of(AgentConfig config) {
        Set<Integer> out = new TreeSet<>(config.overlayEncapReceivePorts());
        out.add(config.overlayEncapPort());
        return Set.copyOf(out);
    }

    /** The node's GUE receive ports for its overlay, per served family: none with {@code --enable-overlay=false}. */
    public static List<FouPort> node(AgentConfig config) {
        if (!config.enableOverlay()) {
            return List.of();
        }
        List<AddressFamily> families = new ArrayList<>();
        if (config.enableIpv4()) {
            families.add(AddressFamily.INET);
        }
        if (config.enableIpv6()) {
            families.add(AddressFamily.INET6);
        }
        return fouPorts(of(config), families);
    }

    /**
     * The UDP ports the node decapsulates GUE on, for its guard (EncapGuard): those of {@link #node}, whatever
     * {@code --overlay-encap} says; none with {@code --enable-overlay=false}. DSR's GUE ports are in the pods,
     * guarded there.
     */
    public static List<Integer> nodePortNumbers(AgentConfig config) {
        return config.enableOverlay() ? List.copyOf(new TreeSet<>(of(config))) : List.of();
    }

    /** The GUE ports a DSR receiver opens in its pod (for the pod IP's family): always all of them. */
    public static Set<Integer> receivers(AgentConfig config) {
        return of(config);
    }

    private static List<FouPort> fouPorts(Collection<Integer> ports, List<AddressFamily> families) {
        List<FouPort> out = new ArrayList<>();
        for (AddressFamily f : families) {
            for (int p : new TreeSet<>(ports)) {
                out.add(new FouPort(f, p));
            }
        }
        return List.copyOf(out);
    }
}
