package io.kubedsr.e2e.proxy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.kubedsr.netlink.TestNamespace;

/**
 * {@link ServiceLab}'s topology in both families, with a second client behind the router and pod routes both ways
 * (scaffolding built with iproute2; not the code under test). LoadBalancer IPs 203.0.113.0/24 and 2001:db8:b::/64
 * are routed to node1, as a load balancer in front of it would send them. Pods serve "pod IP" over HTTP on their
 * address of each family.
 *
 * <pre>
 * client  172.16.0.2 fd00:16::2 --+                   +-- node1 192.168.1.1 fd00:1::1 -- pod1 10.244.1.2 fd00:244:1::2
 * client2 172.16.1.2 fd00:17::2 --+-- router (br0) ---+
 *                                                     +-- node2 192.168.1.2 fd00:1::2 -- pod2 10.244.2.2 fd00:244:2::2
 * </pre>
 */
final class DualStackServiceLab implements AutoCloseable {
    final ServiceLab v4 = new ServiceLab();
    final TestNamespace client2 = TestNamespace.create();

    DualStackServiceLab() throws Exception {
        TestNamespace router = v4.router;
        TestNamespace.veth(router, "to-client2", "172.16.1.1/24", client2, "eth0", "172.16.1.2/24");
        client2.exec("ip", "route", "add", "default", "via", "172.16.1.1");
        for (TestNamespace ns : List.of(router, v4.node1, v4.node2)) {
            ns.exec("sysctl", "-qw", "net.ipv6.conf.all.forwarding=1");
        }
        router.exec("ip", "-6", "addr", "add", "fd00:1::fe/64", "dev", "br0", "nodad");
        router.exec("ip", "-6", "addr", "add", "fd00:16::1/64", "dev", "to-client", "nodad");
        router.exec("ip", "-6", "addr", "add", "fd00:17::1/64", "dev", "to-client2", "nodad");
        v4.client.exec("ip", "-6", "addr", "add", "fd00:16::2/64", "dev", "eth0", "nodad");
        client2.exec("ip", "-6", "addr", "add", "fd00:17::2/64", "dev", "eth0", "nodad");
        v4.client.exec("ip", "-6", "route", "add", "default", "via", "fd00:16::1");
        client2.exec("ip", "-6", "route", "add", "default", "via", "fd00:17::1");
        node(v4.node1, 1, v4.pod1);
        node(v4.node2, 2, v4.pod2);
        v4.node1.exec("ip", "-6", "route", "add", "fd00:244:2::/64", "via", "fd00:1::2");
        v4.node2.exec("ip", "-6", "route", "add", "fd00:244:1::/64", "via", "fd00:1::1");
        v4.node2.exec("ip", "route", "add", "10.244.1.0/24", "via", "192.168.1.1");
        router.exec("ip", "route", "add", "203.0.113.0/24", "via", "192.168.1.1");
        router.exec("ip", "-6", "route", "add", "2001:db8:b::/64", "via", "fd00:1::1");
        router.exec("ip", "-6", "route", "add", "fd00:96::/108", "via", "fd00:1::1");
    }

    private static void node(TestNamespace node, int n, TestNamespace pod) throws Exception {
        node.exec("ip", "-6", "addr", "add", "fd00:1::" + n + "/64", "dev", "eth0", "nodad");
        node.exec("ip", "-6", "route", "add", "default", "via", "fd00:1::fe");
        node.exec("ip", "-6", "addr", "add", "fd00:244:" + n + "::1/64", "dev", "to-pod", "nodad");
        String podIp = "fd00:244:" + n + "::2";
        pod.exec("ip", "-6", "addr", "add", podIp + "/64", "dev", "eth0", "nodad");
        pod.exec("ip", "-6", "route", "add", "default", "via", "fd00:244:" + n + "::1");
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "pod " + podIp + "\n");
        pod.exec("busybox", "httpd", "-p", "[" + podIp + "]:80", "-h", www.toString());
    }

    /** The HTTP answer of {@code url} from {@code from}, or null when there is none within a few seconds. */
    static String get(TestNamespace from, String url) {
        try {
            return from.exec("curl", "-sS", "-g", "--max-time", "4", url).trim();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    @Override
    public void close() {
        client2.close();
        v4.close();
    }
}
