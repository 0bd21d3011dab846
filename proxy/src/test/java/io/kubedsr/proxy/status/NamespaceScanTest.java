package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.netns.NamespaceId;
import io.kubedsr.netlink.netns.NetworkNamespace;

/** The scanner on the host kernel: named and process namespaces, each once, skipping the ones asked. */
class NamespaceScanTest {
    @Test
    void findsEachNamespaceOnceNamedOnesUnderTheirNameAndSkipsWhatItIsTold() throws Exception {
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create()) {
            // A process inside a: its /proc/PID/ns/net is the same namespace as /run/netns/<a>.
            Process sleeper = new ProcessBuilder("ip", "netns", "exec", a.name(), "sleep", "30").start();
            try {
                while (TestNamespace.run("ip", "netns", "pids", a.name()).isBlank()) {
                    Thread.sleep(10); // until the sleeper has entered a
                }
                Path self = Path.of("/proc/self/ns/net");
                List<Path> found = new NamespaceScan().distinct(Set.of(NetworkNamespace.identify(self), b.namespace().id()));
                Set<NamespaceId> ids = new HashSet<>();
                for (Path p : found) {
                    assertThat(ids.add(NetworkNamespace.identify(p))).as("one path per namespace: " + p).isTrue();
                }
                assertThat(found).contains(Path.of("/run/netns", a.name()));
                assertThat(ids).doesNotContain(b.namespace().id(), NetworkNamespace.identify(self));
            } finally {
                sleeper.destroy();
                sleeper.waitFor();
            }
        }
    }
}
