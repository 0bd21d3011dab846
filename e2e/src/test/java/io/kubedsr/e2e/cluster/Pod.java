package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.netlink.TestNamespace;

/**
 * A pod made inside a node the way a container runtime makes one: a network namespace wired to the node by a
 * veth pair ({@code veth-NAME} on the node, {@code eth0} in the pod), its sandbox process (here the pod's HTTP
 * server, busybox httpd answering {@code pod NAME}) started in the node's PID namespace, so that the agent finds
 * the pod through {@code /proc/PID/ns/net} with hostPID; containerd also binds the namespace under the node's
 * {@code /run/netns/cni-UUID}, docker does not ({@code named}). The scenario reaches it as {@link #net()}.
 */
public final class Pod implements AutoCloseable {
    private final String name;
    private final String ip;
    private final TestNamespace net;
    private final Path bound;
    private final Process sandbox;

    private Pod(String name, String ip, TestNamespace net, Path bound, Process sandbox) {
        this.name = name;
        this.ip = ip;
        this.net = net;
        this.bound = bound;
        this.sandbox = sandbox;
    }

    static Pod start(NodeContainer node, String name, String ip, String gateway, int port, boolean named) {
        TestNamespace net = TestNamespace.create();
        try {
            TestNamespace.veth(node.net(), "veth-" + name, gateway + "/24", net, "eth0", ip + "/24");
            net.exec("ip", "route", "add", "default", "via", gateway);
            Path bound = null;
            if (named) {
                bound = node.netnsDir().resolve("cni-" + UUID.randomUUID());
                Files.createFile(bound);
                VmCommands.run("mount", "--bind", "/run/netns/" + net.name(), bound.toString());
            }
            Path www = Files.createTempDirectory("www-" + name);
            Files.writeString(www.resolve("index.html"), "pod " + name + "\n");
            // Every address: a DSR pod answers on the VIP its receiver holds too.
            Process sandbox = new ProcessBuilder("nsenter", "--target", Long.toString(node.pid()), "--pid",
                    "--net=/run/netns/" + net.name(), "--", "busybox", "httpd", "-f", "-p", Integer.toString(port), "-h", www.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return new Pod(name, ip, net, bound, sandbox);
        } catch (IOException e) {
            net.close();
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    public String ip() {
        return ip;
    }

    public TestNamespace net() {
        return net;
    }

    @Override
    public void close() {
        sandbox.descendants().forEach(ProcessHandle::destroy);
        sandbox.destroy();
        if (bound != null) {
            VmCommands.tryRun("umount", bound.toString());
            try {
                Files.deleteIfExists(bound);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        net.close();
    }
}
