package io.kubedsr.e2e.lab;

import java.net.InetAddress;
import java.util.List;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;

/**
 * A link from the VM's own network namespace, where {@link MockApi} runs, to a lab's router, so that agents running
 * as processes inside node namespaces reach the stand-in API server over the lab's network, as node agents reach a
 * real one: a veth pair {@value #LINK}, {@code 10.250.0.1/30} here and {@code 10.250.0.2/30} on the router, and here
 * a route to each of the lab's subnets through the router (whose nodes route everything else to it). Closing
 * deletes the pair and the routes with it.
 */
public final class ApiLink implements AutoCloseable {
    /** The API server's address as the nodes reach it. */
    public static final InetAddress ADDRESS = IpPrefix.parseAddress("10.250.0.1");
    static final String LINK = "kdsr-api";

    private ApiLink() {
    }

    /** {@code subnets}: the lab's node subnets, routed here through the router. */
    public static ApiLink to(TestNamespace router, List<String> subnets) {
        try {
            TestNamespace.run("ip", "link", "del", LINK); // left behind by a scenario that died
        } catch (IllegalStateException absent) {
            // the usual case
        }
        TestNamespace.run("ip", "link", "add", LINK, "type", "veth", "peer", "name", "to-api", "netns", router.name());
        TestNamespace.run("ip", "addr", "add", "10.250.0.1/30", "dev", LINK);
        TestNamespace.run("ip", "link", "set", LINK, "up");
        router.exec("ip", "addr", "add", "10.250.0.2/30", "dev", "to-api");
        router.exec("ip", "link", "set", "to-api", "up");
        for (String subnet : subnets) {
            TestNamespace.run("ip", "route", "add", subnet, "via", "10.250.0.2");
        }
        return new ApiLink();
    }

    @Override
    public void close() {
        TestNamespace.run("ip", "link", "del", LINK);
    }
}
