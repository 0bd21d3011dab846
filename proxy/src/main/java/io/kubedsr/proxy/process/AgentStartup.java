package io.kubedsr.proxy.process;

import java.time.Duration;

import io.kubedsr.proxy.kernel.SyncResult;

/**
 * How an agent's start went, from {@code Agent.start} to ready (the first full sync done): listing the API (every
 * informer synced, objects decoded and recorded), opening the kernel (modules, sockets, kube-dummy-if; it runs on
 * the kernel thread while the informers list), and the first full sync, split as its {@link SyncResult#phases()}
 * are: planning (the Services into the table, and the IPVS diff) and kernel work (dumping, the VIPs, DSR, nftables,
 * IPVS writes).
 */
public record AgentStartup(Duration apiList, Duration kernelOpen, SyncResult firstSync, Duration total, int services) {
    public Duration planning() {
        return Duration.ofNanos(firstSync.phases().planning());
    }

    /** The first full sync's kernel reads and writes. */
    public Duration kernelSync() {
        return Duration.ofNanos(firstSync.phases().kernel());
    }
}
