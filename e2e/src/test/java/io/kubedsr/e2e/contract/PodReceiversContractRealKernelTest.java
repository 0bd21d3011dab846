package io.kubedsr.e2e.contract;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;

import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.proxy.dsr.DsrPods;
import io.kubedsr.proxy.dsr.PodNamespaces;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.dsr.PodReceiversContract;

/**
 * The DSR receivers contract against the kernel: DsrPods programming real pod namespaces (ipip / ip6tnl links,
 * FOU ports). The pods are named namespaces seen through a directory of their own, so that namespaces other
 * scenarios of the VM leave behind are not this test's pods.
 */
@Order(5)
@VmTest(modules = {"ipip", "ip6_tunnel", "fou", "fou6"}, timeoutSeconds = 180)
class PodReceiversContractRealKernelTest extends PodReceiversContract {
    private final List<String> pods = new ArrayList<>();
    private Path root;
    private Path proc;
    private DsrPods receivers;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("kdsr-pods");
        proc = Files.createTempDirectory("kdsr-proc"); // no processes to scan: only the pods under root
        receivers = new DsrPods(new PodNamespaces(List.of(root), proc,
                NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net"))), null, SysctlDirectory.PROC);
    }

    @AfterEach
    void tearDown() {
        for (String name : pods) {
            VmCommands.tryRun("umount", root.resolve(name).toString());
            VmCommands.tryRun("ip", "netns", "del", name);
        }
    }

    @Override
    protected PodReceivers bare() {
        return receivers;
    }

    /** A pod as a runtime makes one: a namespace with lo up and an interface holding the pod IP. */
    @Override
    protected void createPod(InetAddress ip) {
        String name = "kdsr-pod" + pods.size();
        pods.add(name);
        VmCommands.run("ip", "netns", "add", name);
        VmCommands.inNetns(name, "ip", "link", "set", "lo", "up");
        VmCommands.inNetns(name, "ip", "link", "add", "eth0", "type", "dummy");
        boolean v6 = AddressFamily.of(ip) == AddressFamily.INET6;
        String prefix = IpPrefix.format(ip) + (v6 ? "/64" : "/24");
        if (v6) {
            VmCommands.inNetns(name, "ip", "addr", "add", prefix, "dev", "eth0", "nodad");
        } else {
            VmCommands.inNetns(name, "ip", "addr", "add", prefix, "dev", "eth0");
        }
        VmCommands.inNetns(name, "ip", "link", "set", "eth0", "up");
        try {
            Files.createFile(root.resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        VmCommands.run("mount", "--bind", "/run/netns/" + name, root.resolve(name).toString());
    }
}
