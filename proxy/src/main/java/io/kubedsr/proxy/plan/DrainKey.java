package io.kubedsr.proxy.plan;

import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.VirtualServerKey;

/** A real server of a virtual server, as graceful termination tracks it. */
public record DrainKey(VirtualServerKey service, RealServerKey realServer) {
}
