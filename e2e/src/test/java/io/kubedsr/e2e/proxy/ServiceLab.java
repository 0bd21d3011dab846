package io.kubedsr.e2e.proxy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.netlink.TestNamespace;

/**
 * Two nodes, a router and a client; pods serve "pod IP" over HTTP on port 80.
 *
 * <pre>
 * client 172.16.0.2 -- router -- node1 192.168.1.1 (director, kube-dummy-if) -- pod1 10.244.1.2 (+10.244.1.3)
 *                             \- node2 192.168.1.2 -- pod2 10.244.2.2
 * </pre>
 */
public final class ServiceLab implements AutoCloseable {
    public final TestNamespace router = TestNamespace.create();
    public final TestNamespace client = TestNamespace.create();
    public final TestNamespace node1 = TestNamespace.create();
    public final TestNamespace node2 = TestNamespace.create();
    public final TestNamespace pod1 = TestNamespace.create();
    public final TestNamespace pod2 = TestNamespace.create();

    public ServiceLab() throws Exception {
        RoutedLan.router(router);
        RoutedLan.client(router, client);
        RoutedLan.node(router, node1, 1);
        RoutedLan.node(router, node2, 2);
        TestNamespace.veth(node1, "to-pod", "10.244.1.1/24", pod1, "eth0", "10.244.1.2/24");
        pod1.exec("ip", "addr", "add", "10.244.1.3/24", "dev", "eth0");
        TestNamespace.veth(node2, "to-pod", "10.244.2.1/24", pod2, "eth0", "10.244.2.2/24");
        pod1.exec("ip", "route", "add", "default", "via", "10.244.1.1");
        pod2.exec("ip", "route", "add", "default", "via", "10.244.2.1");
        node1.exec("ip", "route", "add", "10.244.2.0/24", "via", "192.168.1.2");
        router.exec("ip", "route", "add", "10.96.0.0/12", "via", "192.168.1.1");
        serve(pod1, "10.244.1.2");
        serve(pod1, "10.244.1.3");
        serve(pod2, "10.244.2.2");
    }

    private static void serve(TestNamespace pod, String ip) throws Exception {
        Path www = Files.createTempDirectory("www");
        Files.writeString(www.resolve("index.html"), "pod " + ip + "\n");
        pod.exec("busybox", "httpd", "-p", ip + ":80", "-h", www.toString());
    }


    @Override
    public void close() {
        for (TestNamespace ns : List.of(pod1, pod2, node1, node2, client, router)) {
            ns.close();
        }
    }
}
