package io.kubedsr.e2e.tunnel;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;

/**
 * A small network of namespaces for scenarios: nodes on one L2 segment behind a router, a client behind the
 * router, and pods behind their node. Built with iproute2 (the scaffolding, not the code under test).
 *
 * <pre>
 * client 172.16.0.2 --- 172.16.0.1 router 192.168.1.254 (bridge) --- node1 192.168.1.1, node2 192.168.1.2
 * podN 10.244.N.2 --- 10.244.N.1 nodeN
 * </pre>
 */
final class Lab implements AutoCloseable {
    final TestNamespace router = TestNamespace.create();
    final TestNamespace client = TestNamespace.create();
    final List<TestNamespace> nodes = new ArrayList<>();
    final List<TestNamespace> pods = new ArrayList<>();

    Lab(int nodeCount) {
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        for (int n = 1; n <= nodeCount; n++) {
            TestNamespace node = TestNamespace.create();
            nodes.add(node);
            // The node hosting a DSR pod forwards replies sourced from the VIP: loose reverse-path filtering.
            node.exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=2");
            RoutedLan.node(router, node, n);

            TestNamespace pod = TestNamespace.create();
            pods.add(pod);
            TestNamespace.veth(node, "to-pod", "10.244." + n + ".1/24", pod, "eth0", "10.244." + n + ".2/24");
            pod.exec("ip", "route", "add", "default", "via", "10.244." + n + ".1");
        }
    }

    TestNamespace node(int n) {
        return nodes.get(n - 1);
    }

    TestNamespace pod(int n) {
        return pods.get(n - 1);
    }


    /** Whether {@code from} can ping {@code address} (one try, short timeout). */
    static boolean pings(TestNamespace from, String address) {
        return !from.tryExecFails("ping", "-c", "1", "-W", "2", address);
    }

    @Override
    public void close() {
        for (TestNamespace ns : pods) {
            ns.close();
        }
        for (TestNamespace ns : nodes) {
            ns.close();
        }
        client.close();
        router.close();
    }
}
