package io.kubedsr.ipvs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Hex;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkRequest;

/** Golden bytes of every IPVS command (family id 0x2a here), little-endian host. */
class IpvsRequestsGoldenTest {
    private static final int FAMILY = 0x2a;

    private static void assertGolden(NetlinkRequest r, String listing) {
        assertThat(Hex.dump(r.bytes())).isEqualTo(Hex.dump(Hex.golden(listing)));
    }

    private static InetAddress ip(String s) {
        return IpPrefix.parseAddress(s);
    }

    @Test
    void addTcpVirtualServer() {
        VirtualServer vs = VirtualServer.of(VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80), Scheduler.RR);
        assertGolden(IpvsRequests.addVirtualServer(FAMILY, vs), """
                5c000000 2a00 0100 00000000 00000000  # len 92, family 0x2a, REQUEST
                01 01 0000                             # IPVS_CMD_NEW_SERVICE, version 1
                4800 0100                              # IPVS_CMD_ATTR_SERVICE (nest, no NLA_F_NESTED), len 72
                0600 0100 0200 0000                    #   IPVS_SVC_ATTR_AF AF_INET
                0600 0200 0600 0000                    #   IPVS_SVC_ATTR_PROTOCOL TCP
                0800 0300 0a60000a                     #   IPVS_SVC_ATTR_ADDR 10.96.0.10
                0600 0400 0050 0000                    #   IPVS_SVC_ATTR_PORT 80, big-endian
                0700 0600 727200 00                    #   IPVS_SVC_ATTR_SCHED_NAME "rr"
                0c00 0700 00000000 ffffffff            #   IPVS_SVC_ATTR_FLAGS {flags 0, mask ~0}
                0800 0800 00000000                     #   IPVS_SVC_ATTR_TIMEOUT 0
                0800 0900 ffffffff                     #   IPVS_SVC_ATTR_NETMASK 255.255.255.255 (__be32)
                """);
    }

    @Test
    void editPersistentIpv6UdpVirtualServerWithSchedulerFlags() {
        VirtualServer vs = new VirtualServer(VirtualServerKey.of(ip("fd00::10"), Protocol.UDP, 53), Scheduler.SH,
                EnumSet.of(ServiceFlag.PERSISTENT, ServiceFlag.SCHED1, ServiceFlag.SCHED2), 10800, 128);
        assertGolden(IpvsRequests.editVirtualServer(FAMILY, vs), """
                68000000 2a00 0100 00000000 00000000  # len 104, REQUEST
                02 01 0000                             # IPVS_CMD_SET_SERVICE
                5400 0100                              # IPVS_CMD_ATTR_SERVICE, len 84
                0600 0100 0a00 0000                    #   AF_INET6
                0600 0200 1100 0000                    #   UDP
                1400 0300 fd000000000000000000000000000010 # IPVS_SVC_ATTR_ADDR fd00::10
                0600 0400 0035 0000                    #   port 53
                0700 0600 736800 00                    #   scheduler "sh"
                0c00 0700 19000000 ffffffff            #   flags PERSISTENT|SCHED1|SCHED2 (sh-fallback, sh-port)
                0800 0800 302a0000                     #   persistence timeout 10800 s
                0800 0900 80000000                     #   IPv6 netmask: the prefix length 128 (host order)
                """);
    }

    @Test
    void deleteAndGetFwmarkVirtualServer() {
        VirtualServerKey key = VirtualServerKey.ofFwmark(AddressFamily.INET, 0x1001);
        assertGolden(IpvsRequests.deleteVirtualServer(FAMILY, key), """
                28000000 2a00 0100 00000000 00000000  # len 40
                03 01 0000                             # IPVS_CMD_DEL_SERVICE
                1400 0100                              # IPVS_CMD_ATTR_SERVICE, len 20
                0600 0100 0200 0000                    #   AF_INET
                0800 0500 01100000                     #   IPVS_SVC_ATTR_FWMARK 0x1001
                """);
        assertGolden(IpvsRequests.getVirtualServer(FAMILY, key), """
                28000000 2a00 0100 00000000 00000000  # len 40
                04 01 0000                             # IPVS_CMD_GET_SERVICE (one service, no dump)
                1400 0100 0600 0100 0200 0000 0800 0500 01100000 # the same service key
                """);
    }

    @Test
    void addGueTunnelRealServerToAFwmarkService() {
        RealServer rs = RealServer.of(ip("10.244.1.5"), 80, Forwarding.gue(5555), 1);
        assertGolden(IpvsRequests.addRealServer(FAMILY, VirtualServerKey.ofFwmark(AddressFamily.INET, 0x1001), rs), """
                7c000000 2a00 0100 00000000 00000000  # len 124
                05 01 0000                             # IPVS_CMD_NEW_DEST
                1400 0100                              # IPVS_CMD_ATTR_SERVICE, len 20
                0600 0100 0200 0000                    #   AF_INET
                0800 0500 01100000                     #   fwmark 0x1001
                5400 0200                              # IPVS_CMD_ATTR_DEST, len 84
                0800 0100 0af40105                     #   IPVS_DEST_ATTR_ADDR 10.244.1.5
                0600 0200 0050 0000                    #   IPVS_DEST_ATTR_PORT 80, big-endian
                0600 0b00 0200 0000                    #   IPVS_DEST_ATTR_ADDR_FAMILY AF_INET
                0800 0300 02000000                     #   IPVS_DEST_ATTR_FWD_METHOD IP_VS_CONN_F_TUNNEL
                0800 0400 01000000                     #   IPVS_DEST_ATTR_WEIGHT 1
                0800 0500 00000000                     #   IPVS_DEST_ATTR_U_THRESH 0 (no limit)
                0800 0600 00000000                     #   IPVS_DEST_ATTR_L_THRESH 0
                0500 0d00 01000000                     #   IPVS_DEST_ATTR_TUN_TYPE GUE
                0600 0e00 15b3 0000                    #   IPVS_DEST_ATTR_TUN_PORT 5555, big-endian
                0600 0f00 0000 0000                    #   IPVS_DEST_ATTR_TUN_FLAGS nocsum
                """);
    }

    @Test
    void editMasqueradeRealServerWeightAndThresholds() {
        RealServer rs = new RealServer(ip("10.244.1.6"), 8080, Forwarding.MASQUERADE, 0, 100, 10);
        assertGolden(IpvsRequests.editRealServer(FAMILY, VirtualServerKey.of(ip("10.96.0.10"), Protocol.TCP, 80), rs), """
                74000000 2a00 0100 00000000 00000000  # len 116
                06 01 0000                             # IPVS_CMD_SET_DEST
                2400 0100                              # IPVS_CMD_ATTR_SERVICE, len 36
                0600 0100 0200 0000 0600 0200 0600 0000 0800 0300 0a60000a 0600 0400 0050 0000 # TCP 10.96.0.10:80
                3c00 0200                              # IPVS_CMD_ATTR_DEST, len 60
                0800 0100 0af40106                     #   10.244.1.6
                0600 0200 1f90 0000                    #   port 8080
                0600 0b00 0200 0000                    #   AF_INET
                0800 0300 00000000                     #   IP_VS_CONN_F_MASQ
                0800 0400 00000000                     #   weight 0 (draining)
                0800 0500 64000000                     #   upper threshold 100
                0800 0600 0a000000                     #   lower threshold 10
                """);
    }

    @Test
    void deleteIpv6RealServer() {
        assertGolden(IpvsRequests.deleteRealServer(FAMILY, VirtualServerKey.of(ip("fd00::10"), Protocol.TCP, 443),
                new RealServerKey(ip("fd00::5"), 8443)), """
                6c000000 2a00 0100 00000000 00000000  # len 108
                07 01 0000                             # IPVS_CMD_DEL_DEST
                3000 0100                              # IPVS_CMD_ATTR_SERVICE, len 48
                0600 0100 0a00 0000                    #   AF_INET6
                0600 0200 0600 0000                    #   TCP
                1400 0300 fd000000000000000000000000000010 # fd00::10
                0600 0400 01bb 0000                    #   port 443
                2800 0200                              # IPVS_CMD_ATTR_DEST, len 40
                1400 0100 fd000000000000000000000000000005 # fd00::5
                0600 0200 20fb 0000                    #   port 8443
                0600 0b00 0a00 0000                    #   AF_INET6
                """);
    }

    @Test
    void dumpsConfigInfoFlushAndZero() {
        assertGolden(IpvsRequests.dumpVirtualServers(FAMILY), """
                14000000 2a00 0103 00000000 00000000  # len 20, REQUEST|DUMP
                04 01 0000                             # IPVS_CMD_GET_SERVICE
                """);
        assertGolden(IpvsRequests.dumpRealServers(FAMILY, VirtualServerKey.ofFwmark(AddressFamily.INET6, 7)), """
                28000000 2a00 0103 00000000 00000000  # len 40, REQUEST|DUMP
                08 01 0000                             # IPVS_CMD_GET_DEST
                1400 0100 0600 0100 0a00 0000 0800 0500 07000000 # service: AF_INET6, fwmark 7
                """);
        assertGolden(IpvsRequests.setTimeouts(FAMILY, new IpvsTimeouts(900, 120, 300)), """
                2c000000 2a00 0100 00000000 00000000  # len 44
                0c 01 0000                             # IPVS_CMD_SET_CONFIG
                0800 0400 84030000                     # IPVS_CMD_ATTR_TIMEOUT_TCP 900
                0800 0500 78000000                     # IPVS_CMD_ATTR_TIMEOUT_TCP_FIN 120
                0800 0600 2c010000                     # IPVS_CMD_ATTR_TIMEOUT_UDP 300
                """);
        assertGolden(IpvsRequests.getTimeouts(FAMILY), "14000000 2a00 0100 00000000 00000000 0d 01 0000 # IPVS_CMD_GET_CONFIG");
        assertGolden(IpvsRequests.getInfo(FAMILY), "14000000 2a00 0100 00000000 00000000 0f 01 0000 # IPVS_CMD_GET_INFO");
        assertGolden(IpvsRequests.flush(FAMILY), "14000000 2a00 0100 00000000 00000000 11 01 0000 # IPVS_CMD_FLUSH");
        assertGolden(IpvsRequests.zero(FAMILY), "14000000 2a00 0100 00000000 00000000 10 01 0000 # IPVS_CMD_ZERO");
    }
}
