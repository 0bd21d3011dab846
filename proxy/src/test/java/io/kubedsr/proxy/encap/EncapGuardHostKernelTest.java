package io.kubedsr.proxy.encap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.nft.EncapGuardRules;
import io.kubedsr.proxy.nft.NftTable;

/**
 * The guards' tables on this host's kernel, in fresh namespaces: nft takes the rendered text, the table lands in
 * the namespace entered by file descriptor (not the agent's), follows the Node list, and is written only when
 * it changed, also across a restart. Whether packets are really dropped needs IPIP and FOU: the VM scenario
 * EncapGuardRealKernelTest.
 */
@Tag("hostkernel")
class EncapGuardHostKernelTest {
    private TestNamespace node;
    private TestNamespace pod;

    @BeforeEach
    void setUp() {
        node = TestNamespace.create();
        pod = TestNamespace.create();
    }

    @AfterEach
    void tearDown() {
        pod.close();
        node.close();
    }

    private static java.net.InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void nodeGuardWaitsForTheNodeListThenFollowsItInItsOwnNamespace() {
        EncapGuard guard = new EncapGuard(new NftTable(node.namespace(), EncapGuardRules.NODE_TABLE), List.of(5555));
        guard.nodesChanged(Set.of(ip("192.168.1.1")));
        assertThat(node.exec("nft", "list", "tables")).as("nothing before the informer synced").doesNotContain("kube-dsr-encap");

        guard.informerSynced(Set.of(ip("192.168.1.1"), ip("192.168.1.2"), ip("fd00:1::2")));
        String listing = node.exec("nft", "list", "table", "inet", "kube-dsr-encap");
        assertThat(listing).contains("192.168.1.1").contains("192.168.1.2").contains("fd00:1::2").contains("5555")
                .contains("drop");
        assertThat(TestNamespace.run("nft", "list", "tables")).as("not in the agent's namespace").doesNotContain("kube-dsr-encap");

        guard.nodesChanged(Set.of(ip("192.168.1.1")));
        assertThat(node.exec("nft", "list", "set", "inet", "kube-dsr-encap", "nodes4")).contains("192.168.1.1")
                .doesNotContain("192.168.1.2");
        guard.delete();
        assertThat(node.exec("nft", "list", "tables")).doesNotContain("kube-dsr-encap");
    }

    @Test
    void receiverGuardIsWrittenOnceAndARestartedAgentFindsItUnchanged() {
        ReceiverGuards guards = new ReceiverGuards(node.namespace());
        node.exec("ip", "link", "add", "kube-dummy-if", "type", "bridge"); // no dummy module on every host
        node.exec("ip", "addr", "add", "10.96.0.1/32", "dev", "kube-dummy-if");
        node.exec("ip", "link", "add", "br0", "type", "bridge");
        node.exec("ip", "addr", "add", "10.244.1.1/24", "dev", "br0");
        guards.clusterNodes(Set.of(ip("192.168.1.2")));
        Set<java.net.InetAddress> sources = guards.sources();
        assertThat(sources).as("this node's own addresses count, its VIPs do not").contains(ip("192.168.1.2"), ip("10.244.1.1"))
                .doesNotContain(ip("10.96.0.1"), ip("127.0.0.1"));

        java.net.InetAddress podIp = ip("10.244.1.5");
        assertThat(guards.ensure(pod.namespace(), podIp, sources, Set.of(5555), false)).isTrue();
        assertThat(pod.exec("nft", "list", "table", "inet", "kube-dsr-receiver")).contains("10.244.1.1").contains("5555");
        assertThat(guards.ensure(pod.namespace(), podIp, sources, Set.of(5555), false)).as("unchanged").isFalse();

        ReceiverGuards restarted = new ReceiverGuards(node.namespace());
        assertThat(restarted.ensure(pod.namespace(), podIp, sources, Set.of(5555), true))
                .as("a restart verifies by digest and writes nothing").isFalse();
        assertThat(restarted.ensure(pod.namespace(), podIp, sources, Set.of(), false)).as("no GUE port").isTrue();
        assertThat(pod.exec("nft", "list", "set", "inet", "kube-dsr-receiver", "gue-ports")).doesNotContain("5555");

        restarted.remove(pod.namespace(), podIp);
        assertThat(pod.exec("nft", "list", "tables")).doesNotContain("kube-dsr-receiver");
    }
}
