package io.kubedsr.ipvs;

import java.util.EnumSet;
import java.util.Set;

/**
 * A virtual server's configuration: key, scheduler, flags, persistence timeout (seconds, used with
 * {@link ServiceFlag#PERSISTENT}) and persistence netmask as a prefix length (32 or 128 for per-client).
 */
public record VirtualServer(VirtualServerKey key, Scheduler scheduler, Set<ServiceFlag> flags, int timeoutSeconds,
        int netmaskPrefix) {

    public VirtualServer {
        if (key == null || scheduler == null) {
            throw new IllegalArgumentException("virtual server needs a key and a scheduler");
        }
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        if (flags.contains(ServiceFlag.HASHED)) {
            throw new IllegalArgumentException("HASHED is the kernel's own flag");
        }
        int max = key.family().maxPrefixLength();
        if (netmaskPrefix < 1 || netmaskPrefix > max) {
            throw new IllegalArgumentException("netmask /" + netmaskPrefix + " outside 1.." + max);
        }
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("timeout must not be negative");
        }
    }

    // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
    // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualServer v && timeoutSeconds == v.timeoutSeconds && netmaskPrefix == v.netmaskPrefix
                && key.equals(v.key) && scheduler.equals(v.scheduler) && flags.equals(v.flags);
    }

    @Override
    public int hashCode() {
        int h = key.hashCode() * 31 + scheduler.hashCode();
        h = h * 31 + flags.hashCode();
        return (h * 31 + timeoutSeconds) * 31 + netmaskPrefix;
    }

    /** A non-persistent virtual server with the scheduler and a full netmask. */
    public static VirtualServer of(VirtualServerKey key, Scheduler scheduler) {
        return new VirtualServer(key, scheduler, Set.of(), 0, key.family().maxPrefixLength());
    }

    /** Client-IP persistence (sessionAffinity: ClientIP) for the given seconds. */
    public VirtualServer withPersistence(int seconds) {
        EnumSet<ServiceFlag> f = flags.isEmpty() ? EnumSet.noneOf(ServiceFlag.class) : EnumSet.copyOf(flags);
        f.add(ServiceFlag.PERSISTENT);
        return new VirtualServer(key, scheduler, f, seconds, netmaskPrefix);
    }

    public VirtualServer withFlags(Set<ServiceFlag> newFlags) {
        return new VirtualServer(key, scheduler, newFlags, timeoutSeconds, netmaskPrefix);
    }

    public VirtualServer withScheduler(Scheduler s) {
        return new VirtualServer(key, s, flags, timeoutSeconds, netmaskPrefix);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(key.toString()).append(' ').append(scheduler.name());
        for (ServiceFlag f : ServiceFlag.values()) {
            if (flags.contains(f) && f != ServiceFlag.PERSISTENT) {
                sb.append(' ').append(f.name().toLowerCase());
            }
        }
        if (flags.contains(ServiceFlag.PERSISTENT)) {
            sb.append(" persistent ").append(timeoutSeconds);
        }
        if (netmaskPrefix != key.family().maxPrefixLength()) {
            sb.append(" mask /").append(netmaskPrefix);
        }
        return sb.toString();
    }
}
