package io.kubedsr.proxy.process;

import java.time.Duration;

import io.kubedsr.proxy.kernel.SyncResult;

/**
 * How an agent's start went, from {@code Agent.start} to ready (the first full sync done): listing the API (every
 * informer synced, objects decoded and recorded), opening the kernel (modules, sockets, kube-dummy-if; it runs on
 * the kernel thread while the informers list), and the first full sync, planning and the rest (dumping, diffing
 * and writing the kernel).
 */
public record AgentStartup(Duration apiList, Duration kernelOpen, SyncResult firstSync, Duration total, int services) {
    public Duration planning() {
        return firstSync.planning();
    }

    /** The first full sync's kernel work: dump, diff and writes (its time not spent planning). */
    public Duration kernelSync() {
        return firstSync.elapsed().minus(firstSync.planning());
    }
}
