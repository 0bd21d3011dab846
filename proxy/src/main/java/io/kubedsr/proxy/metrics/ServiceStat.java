package io.kubedsr.proxy.metrics;

import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.ServicePortKey;

/** The IPVS counters of one virtual server and the Service port it serves (from the sync engine's desired state). */
public record ServiceStat(ServicePortKey owner, VirtualServerKey.ByAddress virtualServer, IpvsStats stats) {
}
