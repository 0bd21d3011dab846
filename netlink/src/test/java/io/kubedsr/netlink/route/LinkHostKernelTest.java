package io.kubedsr.netlink.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.TestNamespace;

@Tag("hostkernel")
class LinkHostKernelTest {
    private TestNamespace ns;
    private Rtnetlink rtnl;

    @BeforeEach
    void setUp() {
        ns = TestNamespace.create();
        rtnl = ns.rtnl();
    }

    @AfterEach
    void tearDown() {
        ns.close();
    }

    /**
     * The dummy driver is a module this build host's kernel lacks (the VM kernel has it): there the kernel
     * answers with a typed EOPNOTSUPP; where it exists the full life cycle is checked.
     */
    @Test
    void dummyLinkWhereTheKernelHasTheDriver() {
        Link created;
        try {
            created = rtnl.addLink("kube-dummy-if", new LinkKind.Dummy());
        } catch (NetlinkException e) {
            assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
            assertThat(java.nio.file.Files.exists(java.nio.file.Path.of("/sys/module/dummy"))).isFalse();
            return;
        }
        assertThat(created.kind()).isEqualTo(new LinkKind.Dummy());
        assertThat(rtnl.links()).extracting(Link::name).contains("kube-dummy-if");
        rtnl.deleteLink(created.index());
        assertThat(rtnl.link("kube-dummy-if")).isEmpty();
    }

    @Test
    void createsALinkThatListsBackChangesAndDeletes() {
        Link created = rtnl.addLink("kube-dummy-if", new LinkKind.Bridge());
        assertThat(created.kind()).isEqualTo(new LinkKind.Bridge());
        assertThat(created.isUp()).isFalse();
        assertThat(rtnl.links()).extracting(Link::name).contains("lo", "kube-dummy-if");
        assertThat(rtnl.link(created.index())).contains(created);

        rtnl.setUp(created.index());
        rtnl.setMtu(created.index(), 1400);
        Link after = rtnl.link("kube-dummy-if").orElseThrow();
        assertThat(after.isUp()).isTrue();
        assertThat(after.mtu()).isEqualTo(1400);
        assertThat(ns.exec("ip", "-o", "link", "show", "kube-dummy-if")).contains("mtu 1400").contains(",UP");

        rtnl.setDown(created.index());
        assertThat(rtnl.link("kube-dummy-if").orElseThrow().isUp()).isFalse();

        rtnl.deleteLink(created.index());
        assertThat(rtnl.link("kube-dummy-if")).isEmpty();
    }

    @Test
    void aLinkCreatedUpIsUpWithoutASecondRequest() {
        long before = rtnl.connection().requestsSent();
        Link created = rtnl.addLink("kube-up", new LinkKind.Bridge(), 0, true);
        assertThat(rtnl.connection().requestsSent() - before).as("the creation and the GET that reports it").isEqualTo(2);
        assertThat(created.isUp()).isTrue();
        assertThat(ns.exec("ip", "-o", "link", "show", "kube-up")).contains(",UP");
        assertThat(rtnl.addLink("kube-down", new LinkKind.Bridge(), 0, false).isUp()).isFalse();
    }

    @Test
    void createsVethPairAndBridgeAndEnslavesOneEnd() {
        Link v0 = rtnl.addLink("veth-a", new LinkKind.Veth("veth-b"));
        Link v1 = rtnl.link("veth-b").orElseThrow();
        Link bridge = rtnl.addLink("kube-bridge", new LinkKind.Bridge());
        assertThat(v0.kind()).isInstanceOf(LinkKind.Veth.class);
        assertThat(v1.kind()).isInstanceOf(LinkKind.Veth.class);
        assertThat(bridge.kind()).isEqualTo(new LinkKind.Bridge());

        rtnl.setMaster(v1.index(), bridge.index());
        assertThat(rtnl.link("veth-b").orElseThrow().masterIndex()).isEqualTo(bridge.index());
        assertThat(ns.exec("ip", "-o", "link", "show", "veth-b")).contains("master kube-bridge");
    }

    @Test
    void duplicateNameIsAlreadyExists() {
        rtnl.addLink("dup0", new LinkKind.Bridge());
        assertThatThrownBy(() -> rtnl.addLink("dup0", new LinkKind.Bridge()))
                .isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.alreadyExists()).isTrue();
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                });
    }

    @Test
    void deletingAMissingLinkIsNotFound() {
        assertThatThrownBy(() -> rtnl.deleteLink("missing0"))
                .isInstanceOfSatisfying(NetlinkException.class, e -> {
                    assertThat(e.isNotFound()).isTrue();
                    assertThat(e.errno()).isEqualTo(Errno.ENODEV);
                });
        assertThat(rtnl.deleteLinkIfPresent("missing0")).isFalse();
        assertThat(rtnl.link("missing0")).isEmpty();
    }

    @Test
    void movesAVethEndIntoAnotherNamespace() {
        try (TestNamespace other = TestNamespace.create()) {
            rtnl.addLink("to-move", new LinkKind.Veth("stays"));
            int index = rtnl.link("to-move").orElseThrow().index();
            rtnl.moveToNamespace(index, other.namespace().fd());
            assertThat(rtnl.link("to-move")).isEmpty();
            assertThat(other.rtnl().link("to-move")).isPresent();
            assertThat(rtnl.link("stays")).isPresent();
        }
    }

    @Test
    void dumpReassemblesManyDatagrams() {
        // A fresh namespace holds lo plus the fallback devices of loaded tunnel modules (tunl0, ip6tnl0, ...).
        int before = rtnl.links().size();
        List<NetlinkRequest> adds = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            adds.add(RtnlRequests.addLink("dm" + i, new LinkKind.Veth("dp" + i), 0));
        }
        assertThat(rtnl.connection().executeBatch(adds).allSucceeded()).isTrue();
        List<Link> links = rtnl.links();
        assertThat(links).hasSize(before + 800); // 400 veth pairs: many dump datagrams
        assertThat(links).extracting(Link::name).contains("dm0", "dp0", "dm399", "dp399");
    }
}
