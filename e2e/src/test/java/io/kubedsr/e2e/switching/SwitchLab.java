package io.kubedsr.e2e.switching;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;

/**
 * Three nodes on one LAN behind a router, a client behind the router, and a pod on each node serving HTTP
 * ("pod N") on port 80 and a TCP echo on port 9000, on every address (DSR connections arrive for the VIP). The
 * router sends the DSR VIP to node1, the director. No pod routes between nodes: the agents' overlay makes them.
 *
 * <pre>
 * client 172.16.0.2 -- router -- br0 -- node1 192.168.1.1, node2 192.168.1.2, node3 192.168.1.3
 * podN 10.244.N.2 -- nodeN (to-pod 10.244.N.1)
 * </pre>
 */
final class SwitchLab implements AutoCloseable {
    static final String VIP = "198.51.100.10";
    static final int ECHO_PORT = 9000;

    final TestNamespace router = TestNamespace.create();
    final TestNamespace client = TestNamespace.create();
    private final List<TestNamespace> nodes = new ArrayList<>();
    private final List<TestNamespace> pods = new ArrayList<>();
    private final List<String> serverPids = new ArrayList<>();

    SwitchLab() throws Exception {
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        router.exec("ip", "route", "add", VIP + "/32", "via", "192.168.1.1");
        for (int n = 1; n <= 3; n++) {
            TestNamespace node = TestNamespace.create();
            nodes.add(node);
            RoutedLan.node(router, node, n);
            TestNamespace pod = TestNamespace.create();
            pods.add(pod);
            TestNamespace.veth(node, "to-pod", "10.244." + n + ".1/24", pod, "eth0", podIp(n) + "/24");
            pod.exec("ip", "route", "add", "default", "via", "10.244." + n + ".1");
            Path www = Files.createTempDirectory("www");
            Files.writeString(www.resolve("index.html"), "pod " + n + "\n");
            pod.exec("busybox", "httpd", "-p", "80", "-h", www.toString());
            serverPids.add(background(pod, "python3 " + tools() + " echo-server " + ECHO_PORT, "/dev/null"));
        }
    }

    /** Starts {@code command} in the background inside {@code ns}, its output to {@code out}; returns its process id. */
    static String background(TestNamespace ns, String command, String out) {
        return ns.exec("sh", "-c", command + " </dev/null >" + out + " 2>&1 & echo $!").trim();
    }

    static String tools() throws Exception {
        return Path.of(SwitchLab.class.getResource("/stream-tools.py").toURI()).toString();
    }

    static String nodeIp(int n) {
        return "192.168.1." + n;
    }

    static String podIp(int n) {
        return "10.244." + n + ".2";
    }

    TestNamespace node(int n) {
        return nodes.get(n - 1);
    }

    TestNamespace pod(int n) {
        return pods.get(n - 1);
    }

    /** IP fragments this node made (Ip: FragCreates of its namespace's /proc/net/snmp). */
    long fragmentsCreated(int n) {
        List<String> ip = node(n).exec("cat", "/proc/net/snmp").lines().filter(l -> l.startsWith("Ip: ")).toList();
        List<String> names = List.of(ip.get(0).split("\\s+"));
        return Long.parseLong(ip.get(1).split("\\s+")[names.indexOf("FragCreates")]);
    }

    @Override
    public void close() {
        for (String pid : serverPids) {
            TestNamespace.run("sh", "-c", "kill " + pid + " 2>/dev/null; true");
        }
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
