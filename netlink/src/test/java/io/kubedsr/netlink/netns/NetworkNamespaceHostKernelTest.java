package io.kubedsr.netlink.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Rtnetlink;

@Tag("hostkernel")
class NetworkNamespaceHostKernelTest {

    @Test
    void aSocketOpenedInsideANamespaceSeesOnlyThatNamespace() {
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create();
                Rtnetlink host = Rtnetlink.open()) {
            a.rtnl().addLink("only-in-a", new LinkKind.Bridge());
            assertThat(a.rtnl().links()).extracting(Link::name).contains("only-in-a");
            assertThat(b.rtnl().links()).extracting(Link::name).contains("lo").doesNotContain("only-in-a");
            assertThat(host.link("only-in-a")).isEmpty();
        }
    }

    @Test
    void theSocketKeepsItsNamespaceWhenUsedFromOtherThreads() throws Exception {
        try (TestNamespace a = TestNamespace.create()) {
            Rtnetlink opened = a.namespace().openRtnetlink(); // opened on the namespace thread
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                pool.submit(() -> opened.addLink("from-pool", new LinkKind.Bridge())).get(30, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
                opened.close();
            }
            assertThat(a.exec("ip", "-o", "link", "show")).contains("from-pool");
        }
    }

    @Test
    void theCallingThreadNeverChangesNamespace() {
        NamespaceId before = NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net"));
        try (TestNamespace a = TestNamespace.create()) {
            NamespaceId inside = a.namespace().call(() -> NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net")));
            assertThat(inside).isEqualTo(a.namespace().id()).isNotEqualTo(before);
        }
        assertThat(NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net"))).isEqualTo(before);
    }

    @Test
    void aProcessInsideTheNamespaceHasTheSameIdentity() throws Exception {
        try (TestNamespace a = TestNamespace.create()) {
            Process p = new ProcessBuilder("ip", "netns", "exec", a.name(), "sleep", "30").start();
            try {
                Path nsOfProcess = Path.of("/proc", Long.toString(p.pid()), "ns", "net");
                NamespaceId seen = null;
                for (int i = 0; i < 100 && !a.namespace().id().equals(seen); i++) {
                    Thread.sleep(20); // `ip netns exec` enters the namespace right after fork
                    seen = NetworkNamespace.identify(nsOfProcess);
                }
                assertThat(seen).isEqualTo(a.namespace().id());
                try (NetworkNamespace viaProc = NetworkNamespace.ofProcess(p.pid())) {
                    assertThat(viaProc.id()).isEqualTo(a.namespace().id());
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aSysctlWrittenInsideANamespaceStaysThere() {
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create()) {
            String hostBefore = NetworkNamespace.current().readSysctl("net.ipv4.conf.all.rp_filter");
            String otherBefore = b.namespace().readSysctl("net.ipv4.conf.all.rp_filter");
            String target = "0".equals(otherBefore) ? "2" : "0";
            a.namespace().writeSysctl("net.ipv4.conf.all.rp_filter", target);
            assertThat(a.namespace().readSysctl("net.ipv4.conf.all.rp_filter")).isEqualTo(target);
            assertThat(a.exec("cat", "/proc/sys/net/ipv4/conf/all/rp_filter").trim()).isEqualTo(target);
            assertThat(b.namespace().readSysctl("net.ipv4.conf.all.rp_filter")).isEqualTo(otherBefore);
            assertThat(NetworkNamespace.current().readSysctl("net.ipv4.conf.all.rp_filter")).isEqualTo(hostBefore);
        }
    }

    /**
     * The agent in a container writes sysctls through the host's /proc/sys mounted elsewhere (--sysctl-dir): a file
     * under net/ opened through another mount still belongs to the opening thread's namespace; through a read-only
     * mount (a container's own /proc/sys) the write fails with the file's name and the reason.
     */
    @Test
    void aSysctlWrittenThroughAnotherMountOfProcSysLandsInTheWritersNamespace() throws Exception {
        Path dir = Files.createTempDirectory("sysctl-dir");
        TestNamespace.run("mount", "--bind", "/proc/sys", dir.toString());
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create()) {
            SysctlDirectory through = new SysctlDirectory(dir);
            String key = "net.ipv4.conf.all.rp_filter";
            String otherBefore = b.namespace().readSysctl(key);
            String target = "0".equals(otherBefore) ? "2" : "0";
            a.namespace().writeSysctl(through, key, target);
            assertThat(a.exec("cat", "/proc/sys/net/ipv4/conf/all/rp_filter").trim()).isEqualTo(target);
            assertThat(a.namespace().readSysctl(through, key)).isEqualTo(target);
            assertThat(b.namespace().readSysctl(key)).isEqualTo(otherBefore);

            TestNamespace.run("mount", "-o", "remount,bind,ro", dir.toString());
            assertThatThrownBy(() -> a.namespace().writeSysctl(through, key, "1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.resolve("net/ipv4/conf/all/rp_filter").toString())
                    .hasMessageContaining("Read-only file system");
            assertThat(a.namespace().readSysctl(key)).isEqualTo(target);
        } finally {
            TestNamespace.run("umount", dir.toString());
            Files.delete(dir);
        }
    }
}
