package io.kubedsr.proxy.status;

import java.util.List;

/**
 * A hand-built status of a director node: one Service on ClusterIP and NodePort, one DSR Service over GUE, one
 * externalTrafficPolicy Local Service's short circuit.
 */
final class SampleStatus {
    private SampleStatus() {
    }

    static NodeStatus director() {
        NodeStatus.RealServer pod1 = new NodeStatus.RealServer("10.244.1.2", 80, "masq", null, null, 1, 3, 12);
        NodeStatus.RealServer pod2 = new NodeStatus.RealServer("10.244.2.2", 80, "masq", null, null, 1, 0, 0);
        NodeStatus.RealServer dsrPod = new NodeStatus.RealServer("10.244.2.2", 80, "tunnel", "gue", 5555, 1, 1234, 5);
        NodeStatus.RealServer v6Pod = new NodeStatus.RealServer("fd00:244:2::2", 443, "tunnel", "ipip", null, 10, 0, 0);
        List<NodeStatus.VirtualServer> servers = List.of(
                new NodeStatus.VirtualServer("ipv4", "10.96.0.10", "tcp", 80, null, "rr", 0, List.of("default/web:80"),
                        List.of(pod1, pod2)),
                new NodeStatus.VirtualServer("ipv4", "192.168.1.1", "tcp", 30080, null, "rr", 10800,
                        List.of("default/web:80"), List.of(pod1, pod2)),
                new NodeStatus.VirtualServer("ipv6", "fd00:96::10", "tcp", 443, null, "wrr", 0, List.of(), List.of(v6Pod)),
                new NodeStatus.VirtualServer("ipv4", null, null, null, 0x123L, "rr", 0, List.of("default/dsr:80"),
                        List.of(dsrPod)),
                new NodeStatus.VirtualServer("ipv4", null, null, null, 0x124L, "rr", 0, List.of(), List.of()),
                new NodeStatus.VirtualServer("ipv4", null, null, null, 0x4123L, "rr", 0, List.of("default/ingress:443"),
                        List.of(pod2)));
        NodeStatus.Dsr dsr = new NodeStatus.Dsr(true,
                List.of(new NodeStatus.DsrMark(0x123L, "ipv4", "203.0.113.10", "tcp", 80, true, true, List.of("default/dsr:80")),
                        new NodeStatus.DsrMark(0x124L, "ipv4", "203.0.113.11", "udp", 53, false, true, List.of())),
                List.of(new NodeStatus.DsrRule("ipv4", 32764, 0x123L, 0xFFFFFFFFL, 78)),
                List.of(new NodeStatus.DsrRoute("ipv4", "local", "default", "lo"),
                        new NodeStatus.DsrRoute("ipv6", "local", "default", "lo")));
        List<NodeStatus.Tunnel> tunnels = List.of(
                new NodeStatus.Tunnel("tun-c0a80102", "ipip", true, "192.168.1.1", "192.168.1.2", "gue", 5555, 1468,
                        List.of("10.244.2.0/24"), List.of("ipip", "gue:5555")),
                new NodeStatus.Tunnel("tun-c0a80103", "ipip", false, "192.168.1.1", "192.168.1.3", "none", null, 1480,
                        List.of(), List.of("ipip", "gue:5555")));
        List<NodeStatus.Receiver> receivers = List.of(new NodeStatus.Receiver("/run/netns/pod1", "kube-tunnel-if", true,
                "10.244.1.2", List.of("203.0.113.10", "203.0.113.11"), List.of(new NodeStatus.FouPort("ipv4", 5555)),
                List.of("ipip", "gue:5555")));
        List<NodeStatus.ShortCircuit> circuits = List.of(
                new NodeStatus.ShortCircuit(0x4123L, "ipv4", "203.0.113.12", "tcp", 443, List.of("default/ingress:443")));
        return new NodeStatus("/run/netns/node1", servers, 2, dsr, circuits, tunnels, List.of(new NodeStatus.FouPort("ipv4", 5555)),
                receivers, List.of("no --kubeconfig and not in a cluster: Services not named"));
    }
}
