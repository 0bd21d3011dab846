package io.kubedsr.proxy.kernel;

import java.util.Collection;

import io.kubedsr.proxy.plan.DrainKey;

/**
 * After real servers of UDP virtual servers are removed, their conntrack entries must go, or a client keeps
 * sending to a backend that is gone (UDP has no connection end). {@link UdpConntrackFlusher} does it over
 * ctnetlink.
 */
public interface UdpConntrack {
    /** Deletes the entries of the removed UDP real servers; returns how many. */
    int flush(Collection<DrainKey> removed);

    /** Never flushes (tools, and engines that do not own conntrack). */
    UdpConntrack NONE = removed -> 0;
}
