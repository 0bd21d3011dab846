package io.kubedsr.proxy.metrics;

import java.util.List;
import java.util.Map;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.tunnel.FouPort;

/**
 * The overlay for the metrics endpoint, from its syncs: the tunnels by what they send, how many were converted in
 * place, and the GUE receive ports open on the node (with one of a family open, the node takes both IPIP and GUE
 * from every peer of that family, whatever it sends itself). Thread-safe.
 */
public final class OverlayMetrics {
    private Map<String, Integer> tunnels = Map.of();
    private List<FouPort> receivePorts = List.of();
    private long conversions;

    /** A completed overlay sync; a full one also checked the receive ports. */
    public synchronized void synced(OverlaySyncResult r) {
        tunnels = r.tunnelsByEncapsulation();
        conversions += r.converted();
        if (r.full()) {
            receivePorts = r.receivePorts();
        }
    }

    public void render(PrometheusText out) {
        Map<String, Integer> t;
        List<FouPort> ports;
        long converted;
        synchronized (this) {
            t = tunnels;
            ports = receivePorts;
            converted = conversions;
        }
        out.family("kube_dsr_overlay_tunnels", "gauge", "Node-to-node tunnels by the encapsulation they send");
        for (String encap : List.of("ipip", "gue")) {
            out.sample("kube_dsr_overlay_tunnels", t.getOrDefault(encap, 0), "encapsulation", encap);
        }
        out.single("kube_dsr_overlay_tunnel_conversions_total", "counter",
                "Tunnels changed in place (encapsulation, GUE port, local address or TTL) instead of deleted and created", converted);
        out.family("kube_dsr_overlay_gue_receive_port", "gauge", "GUE receive ports open on this node for its overlay (1 each): "
                + "with one of a family the node takes IPIP and GUE from every peer of that family, whatever it sends");
        for (FouPort p : ports) {
            out.sample("kube_dsr_overlay_gue_receive_port", 1, "family", p.family() == AddressFamily.INET ? "ipv4" : "ipv6", "port",
                    Integer.toString(p.port()));
        }
    }
}
