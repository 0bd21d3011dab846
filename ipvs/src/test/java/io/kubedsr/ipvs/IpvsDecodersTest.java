package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.AttributeWriter;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/** Replies shaped as the kernel sends them: 16-byte addresses, the HASHED flag, 64-bit stats. */
class IpvsDecodersTest {

    private static NetlinkMessage reply(AttributeWriter w) {
        return new NetlinkMessage(0x2a, 0x2, 1, 0, w.toByteArray());
    }

    private static byte[] padded(String address) {
        byte[] raw = IpPrefix.parseAddress(address).getAddress();
        return java.util.Arrays.copyOf(raw, 16);
    }

    @Test
    void decodesAServiceTheWayTheKernelDumpsIt() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(1).rawU8(1).rawU16(0); // IPVS_CMD_NEW_SERVICE
        int svc = w.beginNestedLegacy(1);
        w.u16(1, 2).u16(2, 6).bytes(3, padded("10.96.0.10")).u16Be(4, 80).string(6, "wrr");
        w.bytes(7, java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putInt(0x3).putInt(-1).array());
        w.u32(8, 10800).u32Be(9, 0xFFFFFF00);
        int stats = w.beginNestedLegacy(12);
        w.u64(1, 5).u64(2, 100).u64(3, 0).u64(4, 6000).u64(5, 0);
        w.endNested(stats);
        w.endNested(svc);
        VirtualServerStatus s = IpvsDecoders.virtualServer(reply(w));
        assertThat(s.server()).isEqualTo(new VirtualServer(VirtualServerKey.of(IpPrefix.parseAddress("10.96.0.10"), Protocol.TCP, 80),
                Scheduler.WRR, EnumSet.of(ServiceFlag.PERSISTENT), 10800, 24));
        assertThat(s.stats().connections()).isEqualTo(5);
        assertThat(s.stats().inPackets()).isEqualTo(100);
        assertThat(s.stats().inBytes()).isEqualTo(6000);
    }

    @Test
    void decodesATunnelDestinationOfAnotherFamilyWithConnectionCounts() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(5).rawU8(1).rawU16(0);
        int d = w.beginNestedLegacy(2);
        w.bytes(1, padded("10.244.1.5")).u16Be(2, 80).u32(3, 2).u32(4, 3).u32(5, 0).u32(6, 0);
        w.u32(7, 4).u32(8, 9).u32(9, 1).u16(11, 2).u8(13, 1).u16Be(14, 5555).u16(15, 1);
        w.endNested(d);
        RealServerStatus r = IpvsDecoders.realServer(reply(w), AddressFamily.INET6);
        assertThat(r.server()).isEqualTo(RealServer.of(IpPrefix.parseAddress("10.244.1.5"), 80,
                Forwarding.tunnel(TunnelType.GUE, 5555, TunnelChecksum.CSUM), 3));
        assertThat(r.activeConnections()).isEqualTo(4);
        assertThat(r.inactiveConnections()).isEqualTo(9);
        assertThat(r.persistentConnections()).isEqualTo(1);
        assertThat(r.connections()).isEqualTo(13);
    }

    @Test
    void aNonContiguousNetmaskIsADecodeError() {
        AttributeWriter w = new AttributeWriter();
        w.rawU8(1).rawU8(1).rawU16(0);
        int svc = w.beginNestedLegacy(1);
        w.u16(1, 2).u32(5, 9).string(6, "rr").bytes(7, new byte[8]).u32(8, 0).u32Be(9, 0xFF00FF00);
        w.endNested(svc);
        assertThatThrownBy(() -> IpvsDecoders.virtualServer(reply(w))).isInstanceOf(NetlinkDecodeException.class)
                .hasMessageContaining("non-contiguous");
    }

    @Test
    void randomRepliesOnlyEverFailAsDecodeErrors() {
        Random r = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = new byte[r.nextInt(160)];
            r.nextBytes(payload);
            if (payload.length >= 8) {
                // a plausible nest header so the decoder gets past the first check now and then
                payload[4] = (byte) (payload.length - 4);
                payload[5] = 0;
                payload[6] = (byte) (1 + r.nextInt(2));
                payload[7] = 0;
            }
            NetlinkMessage m = new NetlinkMessage(0x2a, 0, 1, 0, payload);
            try {
                IpvsDecoders.virtualServer(m);
            } catch (NetlinkDecodeException expected) {
                // fine
            }
            try {
                IpvsDecoders.realServer(m, AddressFamily.INET);
            } catch (NetlinkDecodeException expected) {
                // fine
            }
        }
    }
}
