package io.kubedsr.proxy.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.netlink.IpPrefix;

/**
 * kube-router's per-Service IPVS gauges ({@code kube_router_service_*}, labels namespace, service_name,
 * service_vip, protocol in lower case, port), one series per virtual server kube-dsr programs for a Service,
 * plus {@code kube_router_controller_ipvs_services}, the number of IPVS virtual servers in the kernel.
 */
public final class ServiceMetrics {
    private ServiceMetrics() {
    }

    private record Gauge(String name, String help, ToLongFunction<IpvsStats> value) {
    }

    private static final List<Gauge> GAUGES = List.of(
            new Gauge("kube_router_service_total_connections", "Connections the virtual server has scheduled since it was created",
                    IpvsStats::connections),
            new Gauge("kube_router_service_packets_in", "Packets the virtual server received", IpvsStats::inPackets),
            new Gauge("kube_router_service_packets_out", "Packets the virtual server sent", IpvsStats::outPackets),
            new Gauge("kube_router_service_bytes_in", "Bytes the virtual server received", IpvsStats::inBytes),
            new Gauge("kube_router_service_bytes_out", "Bytes the virtual server sent", IpvsStats::outBytes),
            new Gauge("kube_router_service_pps_in", "Incoming packets per second (IPVS rate estimate)", IpvsStats::inPacketsPerSecond),
            new Gauge("kube_router_service_pps_out", "Outgoing packets per second (IPVS rate estimate)", IpvsStats::outPacketsPerSecond),
            new Gauge("kube_router_service_cps", "Connections per second (IPVS rate estimate)", IpvsStats::connectionsPerSecond),
            new Gauge("kube_router_service_bps_in", "Incoming bytes per second (IPVS rate estimate)", IpvsStats::inBytesPerSecond),
            new Gauge("kube_router_service_bps_out", "Outgoing bytes per second (IPVS rate estimate)", IpvsStats::outBytesPerSecond));

    /** Appends the families, series sorted by namespace, name, VIP, protocol and port. */
    public static void render(PrometheusText out, List<ServiceStat> stats, int ipvsServices) {
        List<ServiceStat> sorted = new ArrayList<>(stats);
        sorted.sort(Comparator.comparing((ServiceStat s) -> s.owner().service())
                .thenComparing(s -> IpPrefix.format(s.virtualServer().address()))
                .thenComparing(s -> s.virtualServer().protocol().name())
                .thenComparingInt(s -> s.virtualServer().port()));
        for (Gauge g : GAUGES) {
            out.family(g.name(), "gauge", g.help());
            for (ServiceStat s : sorted) {
                out.sample(g.name(), g.value().applyAsLong(s.stats()), "namespace", s.owner().service().namespace(),
                        "service_name", s.owner().service().name(), "service_vip", IpPrefix.format(s.virtualServer().address()),
                        "protocol", s.virtualServer().protocol().name().toLowerCase(Locale.ROOT),
                        "port", Integer.toString(s.virtualServer().port()));
            }
        }
        out.single("kube_router_controller_ipvs_services", "gauge", "IPVS virtual servers in the kernel (all owners)", ipvsServices);
    }
}
