package io.kubedsr.proxy.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.proxy.plan.DesiredVirtualServer;

/**
 * One read of the kernel's IPVS counters (a single virtual-server dump), each virtual server attributed to the
 * Service port the sync engine programs it for (a DSR fwmark service under the VIP:port it serves); virtual servers that are not kube-dsr's are counted, not
 * labelled. Runs on the kernel thread, where the engine's desired state may be read.
 */
public record IpvsServiceStats(List<ServiceStat> services, int ipvsServices) {
    public IpvsServiceStats {
        services = List.copyOf(services);
    }

    public static final IpvsServiceStats EMPTY = new IpvsServiceStats(List.of(), 0);

    public static IpvsServiceStats read(IpvsTable ipvs, Function<VirtualServerKey, DesiredVirtualServer> desired) {
        List<VirtualServerStatus> all = ipvs.virtualServers();
        List<ServiceStat> out = new ArrayList<>();
        for (VirtualServerStatus vs : all) {
            DesiredVirtualServer d = desired.apply(vs.server().key());
            if (d == null) {
                continue;
            }
            // A DSR virtual server is a fwmark service in the kernel: labelled with the address clients use.
            VirtualServerKey.ByAddress shown = d.dsr() != null ? d.dsr().service()
                    : vs.server().key() instanceof VirtualServerKey.ByAddress a ? a : null;
            if (shown != null) {
                out.add(new ServiceStat(d.owner(), shown, vs.stats()));
            }
        }
        return new IpvsServiceStats(out, all.size());
    }
}
