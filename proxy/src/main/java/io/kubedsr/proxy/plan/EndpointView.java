package io.kubedsr.proxy.plan;

import java.net.InetAddress;

/** One endpoint address of an EndpointSlice with its conditions and node, for one port. */
record EndpointView(InetAddress address, int port, String nodeName, boolean ready, boolean serving, boolean terminating) {
}
