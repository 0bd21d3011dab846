package io.kubedsr.netlink.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.TestNamespace;

/**
 * What a hostile pod could leave where the agent looks for namespaces, on this host's kernel (docs/security.md):
 * links, FIFOs, plain files, namespaces of another type. Opening is by descriptor, checked to be a network
 * namespace, and never follows a named entry that is a link.
 */
@Tag("hostkernel")
class HostileNamespaceFilesHostKernelTest {
    @TempDir
    Path root;

    @Test
    void aNamedEntryThatIsALinkIsNotFollowedEvenToARealNamespace() throws Exception {
        try (TestNamespace pod = TestNamespace.create()) {
            Path link = Files.createSymbolicLink(root.resolve("to-pod"), Path.of("/run/netns", pod.name()));
            assertThatThrownBy(() -> NetworkNamespace.openNoFollow(link)).isInstanceOf(NetlinkException.class)
                    .satisfies(e -> assertThat(((NetlinkException) e).errno()).isEqualTo(Errno.ELOOP));
            Path toNode = Files.createSymbolicLink(root.resolve("to-node"), Path.of("/proc/1/ns/net"));
            assertThatThrownBy(() -> NetworkNamespace.openNoFollow(toNode)).isInstanceOf(NetlinkException.class);
            assertThat(NamespaceCandidates.list(List.of(root), root.resolve("no-proc"))).as("links are not candidates").isEmpty();
            try (NetworkNamespace direct = NetworkNamespace.openNoFollow(Path.of("/run/netns", pod.name()))) {
                assertThat(direct.id()).isEqualTo(pod.namespace().id());
            }
        }
    }

    @Test
    void aFifoAPlainFileAndANamespaceOfAnotherTypeAreRefusedWithoutBlocking() throws Exception {
        Path fifo = root.resolve("fifo");
        TestNamespace.run("mkfifo", fifo.toString());
        Path plain = Files.writeString(root.resolve("plain"), "not a namespace");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThatThrownBy(() -> NetworkNamespace.open(fifo)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a namespace file");
        });
        assertThatThrownBy(() -> NetworkNamespace.open(plain)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NetworkNamespace.open(Path.of("/proc/self/ns/mnt"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a network namespace");
        assertThat(NamespaceCandidates.list(List.of(root), root.resolve("no-proc"))).extracting(NamespaceCandidates.Candidate::path)
                .as("the FIFO is no regular file; the plain file is a candidate that fails to open").containsExactly(plain);
    }

    @Test
    void theIdentityIsTheOpenedDescriptorsNotThePathsLater() throws Exception {
        try (TestNamespace a = TestNamespace.create(); TestNamespace b = TestNamespace.create()) {
            Path entry = Files.createFile(root.resolve("pod"));
            TestNamespace.run("mount", "--bind", "/run/netns/" + a.name(), entry.toString());
            try (NetworkNamespace opened = NetworkNamespace.openNoFollow(entry)) {
                TestNamespace.run("umount", "-l", entry.toString());
                TestNamespace.run("mount", "--bind", "/run/netns/" + b.name(), entry.toString());
                // The path now leads to b; the handle still is a, and so is what it enters.
                assertThat(NetworkNamespace.identify(entry)).isEqualTo(b.namespace().id());
                assertThat(opened.id()).isEqualTo(a.namespace().id());
                assertThat(opened.call(() -> NetworkNamespace.identify(Path.of("/proc/thread-self/ns/net"))))
                        .isEqualTo(a.namespace().id());
            } finally {
                TestNamespace.run("umount", "-l", entry.toString());
            }
        }
    }
}
