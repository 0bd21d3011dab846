package io.kubedsr.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.RtnlRequests;

@Tag("hostkernel")
class NetlinkConnectionHostKernelTest {

    @Test
    void aFailedRequestLeavesNoStaleReplyForTheNext() {
        try (TestNamespace ns = TestNamespace.create()) {
            NetlinkConnection c = ns.rtnl().connection();
            assertThatThrownBy(() -> c.execute(RtnlRequests.deleteLink("missing0"))).isInstanceOf(NetlinkException.class);
            List<NetlinkMessage> reply = c.execute(RtnlRequests.getLink("lo"));
            assertThat(reply).hasSize(1);
            assertThat(ns.rtnl().link("lo")).isPresent();
        }
    }

    @Test
    void errorsCarryTheKernelsExtendedAckMessage() {
        try (TestNamespace ns = TestNamespace.create()) {
            NetlinkConnection c = ns.rtnl().connection();
            assertThat(c.socket().extendedAckEnabled()).isTrue();
            // A veth peer may not be named like an existing link: the kernel explains in its extended ACK.
            ns.rtnl().addLink("taken0", new LinkKind.Bridge());
            assertThatThrownBy(() -> c.execute(RtnlRequests.addLink("taken0", new LinkKind.Bridge(), 0)))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.alreadyExists()).isTrue());
            // An ipip link needs a module this host may lack; either way the error is typed, not a string.
            NetlinkRequest unsupported = RtnlRequests.addLink("x0", new LinkKind.Other("no-such-kind"), 0);
            assertThatThrownBy(() -> c.execute(unsupported))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP);
                        assertThat(e.kernelMessage()).isNotBlank();
                    });
        }
    }

    @Test
    void aReceiveWithNothingToReadTimesOut() {
        try (NetlinkSocket s = NetlinkSocket.open(NetlinkProtocol.ROUTE)) {
            s.setReceiveTimeout(Duration.ofMillis(50));
            ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            assertThatThrownBy(() -> s.receive(buffer))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
        }
    }

    @Test
    void lostAcknowledgementsSurfaceAsEnobufs() {
        try (TestNamespace ns = TestNamespace.create()) {
            int lo = ns.rtnl().link("lo").orElseThrow().index();
            NetlinkConnection c = ns.rtnl().connection();
            c.socket().setReceiveBufferSize(1); // the kernel raises it to its minimum, far below 256 ACKs
            List<NetlinkRequest> adds = new ArrayList<>();
            for (int i = 0; i < NetlinkConnection.BATCH_MESSAGES; i++) {
                adds.add(RtnlRequests.addRoute(Route.to(IpPrefix.parse("10.1." + i + ".0/24")).withTable(50).withOutputLink(lo)));
            }
            assertThatThrownBy(() -> c.executeBatch(adds))
                    .isInstanceOfSatisfying(NetlinkException.class, e -> assertThat(e.isOverrun()).isTrue());
        }
    }

    @Test
    void sequenceNumbersAndPortIdAreFilledIn() {
        try (NetlinkConnection c = NetlinkConnection.open(NetlinkProtocol.ROUTE)) {
            assertThat(c.socket().portId()).isNotZero();
            long before = c.requestsSent();
            c.dump(RtnlRequests.dumpLinks());
            c.execute(RtnlRequests.getLink("lo"));
            assertThat(c.requestsSent()).isEqualTo(before + 2);
        }
    }
}
