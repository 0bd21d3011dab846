package io.kubedsr.ipvs;

/** A virtual server as read from the kernel, with its statistics. */
public record VirtualServerStatus(VirtualServer server, IpvsStats stats) {
}
