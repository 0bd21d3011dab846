package io.kubedsr.proxy.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class TableRendererTest {
    @Test
    void printsEverySectionWithAlignedColumnsAndRightAlignedNumbers() {
        assertThat(TableRenderer.render(SampleStatus.director())).isEqualTo("""
                kube-dsr status of network namespace /run/netns/node1
                note: no --kubeconfig and not in a cluster: Services not named

                SERVICES
                VIRTUAL SERVER         SCHED             SERVICE              REAL SERVER          FORWARD  TUNNEL    WEIGHT  ACTIVE  INACTIVE
                TCP 10.96.0.10:80      rr                default/web:80       10.244.1.2:80        masq     -              1       3        12
                                                                              10.244.2.2:80        masq     -              1       0         0
                TCP 192.168.1.1:30080  rr persist 10800  default/web:80       10.244.1.2:80        masq     -              1       3        12
                                                                              10.244.2.2:80        masq     -              1       0         0
                TCP [fd00:96::10]:443  wrr               -                    [fd00:244:2::2]:443  tunnel   ipip          10       0         0
                FWM 0x00000123         rr                default/dsr:80       10.244.2.2:80        tunnel   gue:5555       1    1234         5
                FWM 0x00000124         rr                -                    -
                FWM 0x00004123         rr                default/ingress:443  10.244.2.2:80        masq     -              1       0         0
                (2 IPVS virtual servers of other owners not shown)

                SHORT CIRCUITS
                MARK        DESTINATION           SERVICE
                0x00004123  203.0.113.12:443/tcp  default/ingress:443

                DSR MARKS
                MARK        DESTINATION          SERVICE         RULE  IPVS
                0x00000123  203.0.113.10:80/tcp  default/dsr:80  yes   yes
                0x00000124  203.0.113.11:53/udp  -               NO    yes
                RULE FAMILY  PRIORITY  FWMARK      TABLE
                ipv4            32764  0x00000123     78
                TABLE 78 FAMILY  TYPE   DESTINATION  DEVICE
                ipv4             local  default      lo
                ipv6             local  default      lo

                TUNNELS
                NAME          KIND  STATE  LOCAL        REMOTE       ENCAP     ACCEPTS         MTU  ROUTES
                tun-c0a80102  ipip  up     192.168.1.1  192.168.1.2  gue:5555  ipip,gue:5555  1468  10.244.2.0/24
                tun-c0a80103  ipip  DOWN   192.168.1.1  192.168.1.3  none      ipip,gue:5555  1480  -
                FOU ports: 5555/ipv4

                DSR RECEIVERS
                NAMESPACE        LINK            STATE  POD IP      VIPS                       ACCEPTS
                /run/netns/pod1  kube-tunnel-if  up     10.244.1.2  203.0.113.10,203.0.113.11  ipip,gue:5555
                """);
    }

    @Test
    void saysNoneForEmptySectionsAndWhenTheMarkMapIsMissing() {
        NodeStatus empty = new NodeStatus("host", List.of(), 0, new NodeStatus.Dsr(false, List.of(), List.of(), List.of()),
                List.of(), List.of(), List.of(), List.of(), List.of());
        assertThat(TableRenderer.render(empty)).isEqualTo("""
                kube-dsr status of network namespace host

                SERVICES
                (none)

                SHORT CIRCUITS
                (none)

                DSR MARKS
                (no mark map: nftables table inet kube-dsr has no dsr4/dsr6)

                TUNNELS
                (none)
                FOU ports: -

                DSR RECEIVERS
                (none)
                """);
    }
}
