package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.List;

/**
 * One endpoint address of an EndpointSlice with its conditions and node, for one port; {@code forZones} and
 * {@code forNodes}: its topology hints (empty when the slice has none).
 */
record EndpointView(InetAddress address, int port, String nodeName, boolean ready, boolean serving, boolean terminating,
        List<String> forZones, List<String> forNodes) {
    EndpointView(InetAddress address, int port, String nodeName, boolean ready, boolean serving, boolean terminating) {
        this(address, port, nodeName, ready, serving, terminating, List.of(), List.of());
    }
}
