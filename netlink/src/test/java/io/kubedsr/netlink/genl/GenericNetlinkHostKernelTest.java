package io.kubedsr.netlink.genl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;

@Tag("hostkernel")
class GenericNetlinkHostKernelTest {

    @Test
    void resolvesTheControllerItself() {
        try (NetlinkConnection c = NetlinkConnection.open(NetlinkProtocol.GENERIC)) {
            GenlFamily ctrl = GenericNetlink.resolveFamily(c, "nlctrl");
            assertThat(ctrl.id()).isEqualTo(GenericNetlink.CONTROLLER_ID);
            assertThat(ctrl.name()).isEqualTo("nlctrl");
            assertThat(ctrl.multicastGroups()).containsKey("notify");
        }
    }

    @Test
    void anUnknownFamilyIsTypedNotFound() {
        try (NetlinkConnection c = NetlinkConnection.open(NetlinkProtocol.GENERIC)) {
            assertThatThrownBy(() -> GenericNetlink.resolveFamily(c, "no-such-family"))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> {
                        assertThat(e.isNotFound()).isTrue();
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    });
        }
    }

    /**
     * IPVS and fou: a kernel without them (this project's build machines) answers with a typed not-found; a
     * kernel with them (the VM, tested in e2e) resolves them and then has the module loaded.
     */
    @Test
    void ipvsAndFouResolveExactlyWhenTheKernelHasThem() {
        try (NetlinkConnection c = NetlinkConnection.open(NetlinkProtocol.GENERIC)) {
            for (String[] family : new String[][] {{"IPVS", "ip_vs"}, {"fou", "fou"}}) {
                try {
                    GenlFamily f = GenericNetlink.resolveFamily(c, family[0]);
                    assertThat(f.name()).isEqualTo(family[0]);
                    assertThat(Files.exists(Path.of("/sys/module", family[1]))).as("module of " + family[0]).isTrue();
                } catch (NetlinkException e) {
                    assertThat(e.isNotFound()).as(e.getMessage()).isTrue();
                    assertThat(Files.exists(Path.of("/sys/module", family[1]))).as("module of " + family[0]).isFalse();
                }
            }
        }
    }
}
