package io.kubedsr.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.ServicePortKey;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.tunnel.FouPort;

class MetricsRenderingTest {

    private static ServiceStat stat(String ns, String name, String vip, Protocol p, int port, IpvsStats s) {
        return new ServiceStat(new ServicePortKey(new ServiceRef(ns, name), "dns", p),
                (VirtualServerKey.ByAddress) VirtualServerKey.of(IpPrefix.parseAddress(vip), p, port), s);
    }

    @Test
    void histogramAndEscapingExactly() {
        Histogram h = new Histogram(List.of(0.25, 0.5, 1.0));
        h.observe(0.1);
        h.observe(0.5);
        h.observe(7);
        String text = new PrometheusText().family("x_seconds", "histogram", "line one\nback\\slash")
                .histogram("x_seconds", h.snapshot(), "name", "a\"b\\c\nd").toString();
        assertThat(text).isEqualTo("""
                # HELP x_seconds line one\\nback\\\\slash
                # TYPE x_seconds histogram
                x_seconds_bucket{name="a\\"b\\\\c\\nd",le="0.25"} 1
                x_seconds_bucket{name="a\\"b\\\\c\\nd",le="0.5"} 2
                x_seconds_bucket{name="a\\"b\\\\c\\nd",le="1"} 2
                x_seconds_bucket{name="a\\"b\\\\c\\nd",le="+Inf"} 3
                x_seconds_sum{name="a\\"b\\\\c\\nd"} 7.6
                x_seconds_count{name="a\\"b\\\\c\\nd"} 3
                """);
        ExpositionFormat.check(text);
    }

    /** What the overlay reports: tunnels by what they send, conversions summed over syncs, receive ports of the last full sync. */
    @Test
    void overlayTunnelsConversionsAndReceivePorts() {
        OverlayMetrics m = new OverlayMetrics();
        List<FouPort> ports = List.of(new FouPort(AddressFamily.INET, 5555), new FouPort(AddressFamily.INET6, 5555));
        m.synced(new OverlaySyncResult(true, 2, 4, 2, 0, 0, Duration.ofMillis(3), 2, Map.of("gue", 2), ports));
        m.synced(new OverlaySyncResult(false, 1, 1, 3, 0, 0, Duration.ofMillis(1), 1, Map.of("gue", 2, "ipip", 1), List.of()));
        PrometheusText out = new PrometheusText();
        m.render(out);
        assertThat(out.toString()).isEqualTo("""
                # HELP kube_dsr_overlay_tunnels Node-to-node tunnels by the encapsulation they send
                # TYPE kube_dsr_overlay_tunnels gauge
                kube_dsr_overlay_tunnels{encapsulation="ipip"} 1
                kube_dsr_overlay_tunnels{encapsulation="gue"} 2
                # HELP kube_dsr_overlay_tunnel_conversions_total Tunnels changed in place (encapsulation, GUE port, local address or TTL) instead of deleted and created
                # TYPE kube_dsr_overlay_tunnel_conversions_total counter
                kube_dsr_overlay_tunnel_conversions_total 3
                # HELP kube_dsr_overlay_gue_receive_port GUE receive ports open on this node for its overlay (1 each): with one of a family the node takes IPIP and GUE from every peer of that family, whatever it sends
                # TYPE kube_dsr_overlay_gue_receive_port gauge
                kube_dsr_overlay_gue_receive_port{family="ipv4",port="5555"} 1
                kube_dsr_overlay_gue_receive_port{family="ipv6",port="5555"} 1
                """);
        ExpositionFormat.check(out.toString());
    }

    @Test
    void numbersInPlainDecimal() {
        assertThat(PrometheusText.number(0.001)).isEqualTo("0.001");
        assertThat(PrometheusText.number(16.384)).isEqualTo("16.384");
        assertThat(PrometheusText.number(1e-7)).isEqualTo("0.0000001");
        assertThat(PrometheusText.number(42)).isEqualTo("42");
        assertThat(PrometheusText.number(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    }

    @Test
    void serviceGaugesWithKubeRoutersNamesAndLabels() {
        IpvsStats dns = new IpvsStats(12, 100, 90, 6400, 5800, 1, 10, 9, 640, 580);
        IpvsStats web = new IpvsStats(3, 30, 20, 3000, 2000, 0, 0, 0, 0, 0);
        PrometheusText out = new PrometheusText();
        ServiceMetrics.render(out, List.of(
                stat("kube-system", "kube-dns", "10.96.0.10", Protocol.UDP, 53, dns),
                stat("default", "web", "fd00:96::1", Protocol.TCP, 80, web)), 5);
        String text = out.toString();
        ExpositionFormat.check(text);
        assertThat(text).startsWith("""
                # HELP kube_router_service_total_connections Connections the virtual server has scheduled since it was created
                # TYPE kube_router_service_total_connections gauge
                kube_router_service_total_connections{namespace="default",service_name="web",service_vip="fd00:96::1",protocol="tcp",port="80"} 3
                kube_router_service_total_connections{namespace="kube-system",service_name="kube-dns",service_vip="10.96.0.10",protocol="udp",port="53"} 12
                """);
        String labels = "{namespace=\"kube-system\",service_name=\"kube-dns\",service_vip=\"10.96.0.10\",protocol=\"udp\",port=\"53\"}";
        assertThat(text.lines()).contains(
                "kube_router_service_packets_in" + labels + " 100",
                "kube_router_service_packets_out" + labels + " 90",
                "kube_router_service_bytes_in" + labels + " 6400",
                "kube_router_service_bytes_out" + labels + " 5800",
                "kube_router_service_pps_in" + labels + " 10",
                "kube_router_service_pps_out" + labels + " 9",
                "kube_router_service_cps" + labels + " 1",
                "kube_router_service_bps_in" + labels + " 640",
                "kube_router_service_bps_out" + labels + " 580",
                "kube_router_controller_ipvs_services 5");
        assertThat(text.lines().filter(l -> l.startsWith("# TYPE"))).hasSize(11);
    }

    @Test
    void syncDurationsCountersAndNetworkProgrammingLatency() {
        SyncMetrics m = new SyncMetrics();
        Instant written = Instant.parse("2026-11-27T12:00:10Z");
        m.synced(SyncMetrics.Kind.FULL, Duration.ofMillis(3), 5, 0, 2, List.of(), written);
        m.synced(SyncMetrics.Kind.INCREMENTAL, Duration.ofMillis(1), 1, 0, 0, List.of(written.minusMillis(300), written.minusSeconds(2)), written);
        m.synced(SyncMetrics.Kind.DRAIN, Duration.ofMillis(20), 1, 1, 0, List.of(), written);
        m.failed();
        PrometheusText out = new PrometheusText();
        m.render(out);
        String text = out.toString();
        ExpositionFormat.check(text);
        assertThat(text.lines()).contains(
                "kubeproxy_sync_full_proxy_rules_duration_seconds_bucket{le=\"0.002\"} 0",
                "kubeproxy_sync_full_proxy_rules_duration_seconds_bucket{le=\"0.004\"} 1",
                "kubeproxy_sync_full_proxy_rules_duration_seconds_count 1",
                "kubeproxy_sync_full_proxy_rules_duration_seconds_sum 0.003",
                "kubeproxy_sync_partial_proxy_rules_duration_seconds_bucket{le=\"0.001\"} 1",
                "kubeproxy_sync_partial_proxy_rules_duration_seconds_count 1",
                "kubeproxy_sync_proxy_rules_duration_seconds_count 3",
                "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"16.384\"} 3",
                "kubeproxy_network_programming_duration_seconds_bucket{le=\"0.25\"} 0",
                "kubeproxy_network_programming_duration_seconds_bucket{le=\"0.5\"} 1",
                "kubeproxy_network_programming_duration_seconds_bucket{le=\"1\"} 1",
                "kubeproxy_network_programming_duration_seconds_bucket{le=\"2\"} 2",
                "kubeproxy_network_programming_duration_seconds_bucket{le=\"300\"} 2",
                "kubeproxy_network_programming_duration_seconds_sum 2.3",
                "kubeproxy_network_programming_duration_seconds_count 2",
                "kube_dsr_ipvs_operations_total 7",
                "kube_dsr_ipvs_operation_failures_total 1",
                "kube_dsr_address_operations_total 2",
                "kube_dsr_sync_errors_total 1");
        // kube-proxy's buckets: 2 + 59 + 12 + 7 bounds, then +Inf
        assertThat(text.lines().filter(l -> l.startsWith("kubeproxy_network_programming_duration_seconds_bucket"))).hasSize(81);
        assertThat(text.lines().filter(l -> l.startsWith("kubeproxy_sync_proxy_rules_duration_seconds_bucket"))).hasSize(16);
    }

    @Test
    void theCheckerCatchesBrokenOutput() {
        assertThatThrownBy(() -> ExpositionFormat.check("x 1\n")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> ExpositionFormat.check("# HELP x h\n# TYPE x gauge\nx{a=\"1} 1\n")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> ExpositionFormat.check("# HELP x h\n# TYPE x gauge\nx 1\nx 2\n")).isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> ExpositionFormat.check("# HELP x h\n# TYPE x histogram\nx_bucket{le=\"1\"} 2\n"
                + "x_bucket{le=\"+Inf\"} 1\nx_count 1\n")).isInstanceOf(AssertionError.class);
    }
}
