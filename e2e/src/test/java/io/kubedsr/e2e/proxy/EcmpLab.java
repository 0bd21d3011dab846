package io.kubedsr.e2e.proxy;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;

/**
 * Three nodes behind a router that spreads a DSR address over them by ECMP, as a BGP router or a cloud load
 * balancer does (scaffolding built with iproute2, not the code under test). Node n holds pod n; the nodes route
 * each other's pod CIDRs.
 *
 * <pre>
 *                                            /- node1 192.168.1.1 -- pod1 10.244.1.2
 * client 172.16.0.2 -- router (ECMP VIP/32) --- node2 192.168.1.2 -- pod2 10.244.2.2
 *                                            \- node3 192.168.1.3 -- pod3 10.244.3.2
 * </pre>
 *
 * The router hashes L4 (fib_multipath_hash_policy=1), so the connections of one client spread over the nodes.
 */
final class EcmpLab implements AutoCloseable {
    static final int NODES = 3;
    final TestNamespace router = TestNamespace.create();
    final TestNamespace client = TestNamespace.create();
    final List<TestNamespace> nodes = new ArrayList<>();
    final List<TestNamespace> pods = new ArrayList<>();
    private final String vip;

    EcmpLab(String vip) {
        this.vip = vip;
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        router.exec("sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=1");
        for (int n = 1; n <= NODES; n++) {
            TestNamespace node = TestNamespace.create();
            TestNamespace pod = TestNamespace.create();
            RoutedLan.node(router, node, n);
            TestNamespace.veth(node, "to-pod", "10.244." + n + ".1/24", pod, "eth0", "10.244." + n + ".2/24");
            pod.exec("ip", "route", "add", "default", "via", "10.244." + n + ".1");
            nodes.add(node);
            pods.add(pod);
        }
        for (int n = 1; n <= NODES; n++) {
            for (int peer = 1; peer <= NODES; peer++) {
                if (peer != n) {
                    node(n).exec("ip", "route", "add", "10.244." + peer + ".0/24", "via", "192.168.1." + peer);
                }
            }
        }
        routeVipVia(1, 2, 3);
    }

    TestNamespace node(int n) {
        return nodes.get(n - 1);
    }

    TestNamespace pod(int n) {
        return pods.get(n - 1);
    }

    /** The router's multipath route for the VIP, over the given nodes' addresses (replacing the one before). */
    void routeVipVia(int... nodeNumbers) {
        List<String> command = new ArrayList<>(List.of("ip", "route", "replace", vip + "/32"));
        for (int n : nodeNumbers) {
            command.addAll(List.of("nexthop", "via", "192.168.1." + n));
        }
        router.exec(command.toArray(String[]::new));
    }

    @Override
    public void close() {
        List<TestNamespace> all = new ArrayList<>(pods);
        all.addAll(nodes);
        all.add(client);
        all.add(router);
        for (TestNamespace ns : all) {
            ns.close();
        }
    }
}
