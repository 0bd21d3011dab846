package io.kubedsr.e2e.overlay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.TestNamespace;

/**
 * Three nodes, two on one subnet and one behind a router, each with a pod serving "pod N" over HTTP; IPv4 and
 * IPv6. No pod routes between nodes: that is the agents' work.
 *
 * <pre>
 * node1 192.168.1.1 fd00:1::1 --+                                  +-- node3 192.168.2.3 fd00:2::3
 * node2 192.168.1.2 fd00:1::2 --+-- br1 router (forwarding) br2 ---+
 * podN 10.244.N.2 fd00:244:N::2 --- nodeN
 * </pre>
 */
final class OverlayLab implements AutoCloseable {
    final TestNamespace router = TestNamespace.create();
    final List<TestNamespace> nodes = new ArrayList<>();
    final List<TestNamespace> pods = new ArrayList<>();

    OverlayLab() throws Exception {
        router.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        router.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        for (int s = 1; s <= 2; s++) {
            router.exec("ip", "link", "add", "br" + s, "type", "bridge");
            router.exec("ip", "addr", "add", "192.168." + s + ".254/24", "dev", "br" + s);
            router.exec("ip", "-6", "addr", "add", "fd00:" + s + "::fe/64", "dev", "br" + s, "nodad");
            router.exec("ip", "link", "set", "br" + s, "up");
        }
        for (int n = 1; n <= 3; n++) {
            int subnet = n == 3 ? 2 : 1;
            TestNamespace node = TestNamespace.create();
            nodes.add(node);
            node.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
            node.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
            router.exec("ip", "link", "add", "to-node" + n, "type", "veth", "peer", "name", "eth0", "netns", node.name());
            router.exec("ip", "link", "set", "to-node" + n, "master", "br" + subnet, "up");
            node.exec("ip", "addr", "add", nodeIp(n) + "/24", "dev", "eth0");
            node.exec("ip", "-6", "addr", "add", nodeIp6(n) + "/64", "dev", "eth0", "nodad");
            node.exec("ip", "link", "set", "eth0", "up");
            node.exec("ip", "route", "add", "default", "via", "192.168." + subnet + ".254");
            node.exec("ip", "-6", "route", "add", "default", "via", "fd00:" + subnet + "::fe");

            TestNamespace pod = TestNamespace.create();
            pods.add(pod);
            TestNamespace.veth(node, "to-pod", "10.244." + n + ".1/24", pod, "eth0", podIp(n) + "/24");
            node.exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::1/64", "dev", "to-pod", "nodad");
            pod.exec("ip", "-6", "addr", "add", podIp6(n) + "/64", "dev", "eth0", "nodad");
            pod.exec("ip", "route", "add", "default", "via", "10.244." + n + ".1");
            pod.exec("ip", "-6", "route", "add", "default", "via", "fd00:244:" + n + "::1");
            Path www = Files.createTempDirectory("www");
            Files.writeString(www.resolve("index.html"), "pod " + n + "\n");
            pod.exec("busybox", "httpd", "-p", "80", "-h", www.toString());
        }
    }

    static String nodeIp(int n) {
        return n == 3 ? "192.168.2.3" : "192.168.1." + n;
    }

    static String nodeIp6(int n) {
        return n == 3 ? "fd00:2::3" : "fd00:1::" + n;
    }

    static String podIp(int n) {
        return "10.244." + n + ".2";
    }

    static String podIp6(int n) {
        return "fd00:244:" + n + "::2";
    }

    TestNamespace node(int n) {
        return nodes.get(n - 1);
    }

    TestNamespace pod(int n) {
        return pods.get(n - 1);
    }

    boolean pings(int from, String address) {
        return !pod(from).tryExecFails("ping", "-c", "1", "-W", "2", address);
    }

    /** A TCP request: pod {@code from} fetches pod {@code to}'s page. */
    String fetch(int from, int to) {
        return pod(from).exec("curl", "-sS", "--max-time", "5", "http://" + podIp(to) + "/").trim();
    }

    @Override
    public void close() {
        for (TestNamespace ns : pods) {
            ns.close();
        }
        for (TestNamespace ns : nodes) {
            ns.close();
        }
        router.close();
    }
}
