package io.kubedsr.e2e.lab;

import io.kubedsr.netlink.TestNamespace;

/**
 * Scaffolding the test labs share (built with iproute2; not the code under test): a router whose bridge is the
 * nodes' LAN, a client on a link of its own behind the router, and nodes plugged into the bridge.
 *
 * <pre>
 * client 172.16.0.2 --- 172.16.0.1 router 192.168.1.254 (bridge br0) --- node n 192.168.1.n (eth0)
 * </pre>
 */
public final class RoutedLan {
    private RoutedLan() {
    }

    /** Forwarding on, and a bridge {@code br0} with {@code 192.168.1.254/24}. */
    public static void router(TestNamespace router) {
        router.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        router.exec("ip", "link", "add", "br0", "type", "bridge");
        router.exec("ip", "addr", "add", "192.168.1.254/24", "dev", "br0");
        router.exec("ip", "link", "set", "br0", "up");
    }

    /** The client 172.16.0.2 on the router's link {@code to-client}, default route via the router. */
    public static void client(TestNamespace router, TestNamespace client) {
        TestNamespace.veth(router, "to-client", "172.16.0.1/24", client, "eth0", "172.16.0.2/24");
        client.exec("ip", "route", "add", "default", "via", "172.16.0.1");
    }

    /** Node {@code n}: eth0 192.168.1.n on the bridge (router port {@code to-node<n>}), forwarding, default via the router. */
    public static void node(TestNamespace router, TestNamespace node, int n) {
        node(router, node, n, 1);
    }

    /** A second LAN on the router: a bridge {@code br1} with {@code 192.168.2.254/24}. */
    public static void secondLan(TestNamespace router) {
        router.exec("ip", "link", "add", "br1", "type", "bridge");
        router.exec("ip", "addr", "add", "192.168.2.254/24", "dev", "br1");
        router.exec("ip", "link", "set", "br1", "up");
    }

    /** Node {@code n} on the second LAN ({@link #secondLan}): eth0 192.168.2.n, default via 192.168.2.254. */
    public static void nodeOnSecondLan(TestNamespace router, TestNamespace node, int n) {
        node(router, node, n, 2);
    }

    private static void node(TestNamespace router, TestNamespace node, int n, int lan) {
        node.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        router.exec("ip", "link", "add", "to-node" + n, "type", "veth", "peer", "name", "eth0", "netns", node.name());
        router.exec("ip", "link", "set", "to-node" + n, "master", "br" + (lan - 1), "up");
        node.exec("ip", "addr", "add", "192.168." + lan + "." + n + "/24", "dev", "eth0");
        node.exec("ip", "link", "set", "eth0", "up");
        node.exec("ip", "route", "add", "default", "via", "192.168." + lan + ".254");
    }
}
