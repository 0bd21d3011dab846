package io.kubedsr.proxy.dsr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * Finding a pod's namespace when a hostile pod plays with the files the agent scans (docs/security.md), on this
 * host's kernel with fresh namespaces and a fresh named root and process directory in temporary directories.
 */
@Tag("hostkernel")
class PodNamespacesHostKernelTest {
    private static final InetAddress POD_IP = IpPrefix.parseAddress("10.244.1.5");

    @TempDir
    Path named;
    @TempDir
    Path proc;

    /** A namespace holding the pod IP (on its loopback link: no dummy module needed). */
    private static TestNamespace podWithIp() {
        TestNamespace ns = TestNamespace.create();
        ns.exec("ip", "addr", "add", "10.244.1.5/32", "dev", "lo");
        return ns;
    }

    private Path bind(TestNamespace ns, String name) throws Exception {
        Path entry = Files.createFile(named.resolve(name));
        TestNamespace.run("mount", "--bind", "/run/netns/" + ns.name(), entry.toString());
        return entry;
    }

    /** A fake /proc/PID/ns/net: a link to the namespace, as the kernel's own is. */
    private void process(TestNamespace ns, int pid) throws Exception {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("ns"));
        Files.createSymbolicLink(dir.resolve("net"), Path.of("/run/netns", ns.name()));
    }

    private static void unmountAll(Path dir) throws Exception {
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                TestNamespace.run("sh", "-c", "umount -l " + p + " 2>/dev/null || true");
            }
        }
    }

    @Test
    void linksInTheNamedRootAndTheNodesOwnNamespaceAreNeverAPods() throws Exception {
        try (TestNamespace node = podWithIp(); TestNamespace pod2 = TestNamespace.create()) {
            // The "node" holds the IP too (a hostNetwork pod's address): it is the agent's own namespace, never a pod's.
            Files.createSymbolicLink(named.resolve("evil-to-node"), Path.of("/run/netns", node.name()));
            bind(node, "bound-node");
            Files.createSymbolicLink(named.resolve("evil-to-pod2"), Path.of("/run/netns", pod2.name()));
            try {
                PodNamespaces finder = new PodNamespaces(List.of(named), proc, node.namespace().id());
                assertThat(finder.find(POD_IP)).isEmpty();
                assertThat(finder.allNamespaces()).as("no link followed, the node's own left out").isEmpty();
            } finally {
                unmountAll(named);
            }
        }
    }

    @Test
    void anIpHeldByTwoNamespacesGoesToTheNamedOneOrToNone() throws Exception {
        try (TestNamespace own = TestNamespace.create(); TestNamespace real = podWithIp(); TestNamespace fake = podWithIp();
                TestNamespace fake2 = podWithIp()) {
            process(fake, 4242); // a process made a namespace and gave it the pod's IP
            bind(real, "cni-real");
            try {
                PodNamespaces finder = new PodNamespaces(List.of(named), proc, own.namespace().id());
                var found = finder.find(POD_IP).orElseThrow();
                assertThat(found.id()).isEqualTo(real.namespace().id());
                try (NetworkNamespace ns = found.open()) {
                    assertThat(ns.id()).isEqualTo(real.namespace().id());
                }

                process(fake2, 4343);
                PodNamespaces unnamed = new PodNamespaces(List.of(named.resolve("none")), proc, own.namespace().id());
                assertThat(unnamed.find(POD_IP)).as("two processes' namespaces, no name: no guess").isEmpty();
                assertThat(unnamed.holders(POD_IP)).isEqualTo(2);
            } finally {
                unmountAll(named);
            }
        }
    }

    @Test
    void aNamedEntrySwappedAfterTheScanIsRefusedWhenOpenedAgain() throws Exception {
        try (TestNamespace own = TestNamespace.create(); TestNamespace real = podWithIp(); TestNamespace other = TestNamespace.create()) {
            Path entry = bind(real, "cni-pod");
            try {
                PodNamespaces finder = new PodNamespaces(List.of(named), proc, own.namespace().id());
                var found = finder.find(POD_IP).orElseThrow();
                TestNamespace.run("umount", "-l", entry.toString());
                TestNamespace.run("mount", "--bind", "/run/netns/" + other.name(), entry.toString());
                assertThatThrownBy(found::open).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("no longer the namespace found");
                assertThat(PodNamespaces.holds(found, POD_IP)).isFalse();
                assertThat(finder.find(POD_IP)).as("scanned again: nobody holds it now").isEmpty();
            } finally {
                unmountAll(named);
            }
        }
    }

    /**
     * Every pod of a DSR Service holds its VIPs on the receiver link: they are no pod IPs (before, each scan warned
     * that the VIP was "held by N network namespaces").
     */
    @Test
    void theVipsOnAPodsDsrReceiverAreNoPodIps() throws Exception {
        try (TestNamespace own = TestNamespace.create(); TestNamespace pod1 = TestNamespace.create();
                TestNamespace pod2 = TestNamespace.create()) {
            int n = 1;
            for (TestNamespace pod : List.of(pod1, pod2)) {
                pod.exec("ip", "addr", "add", "10.244.1." + n++ + "/32", "dev", "lo");
                // A bridge stands in for the ipip receiver (no ipip on this kernel): the finder knows it by name.
                pod.exec("ip", "link", "add", "kube-tunnel-if", "type", "bridge");
                pod.exec("ip", "addr", "add", "198.51.100.10/32", "dev", "kube-tunnel-if");
            }
            bind(pod1, "cni-1");
            bind(pod2, "cni-2");
            try {
                PodNamespaces finder = new PodNamespaces(List.of(named), proc, own.namespace().id());
                finder.scan();
                InetAddress vip = IpPrefix.parseAddress("198.51.100.10");
                assertThat(finder.holders(vip)).isZero();
                assertThat(finder.find(vip)).isEmpty();
                assertThat(finder.find(IpPrefix.parseAddress("10.244.1.1")).orElseThrow().id()).isEqualTo(pod1.namespace().id());
                assertThat(finder.find(IpPrefix.parseAddress("10.244.1.2")).orElseThrow().id()).isEqualTo(pod2.namespace().id());
            } finally {
                unmountAll(named);
            }
        }
    }
}
