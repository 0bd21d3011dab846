package io.kubedsr.proxy.plan;

import java.util.EnumSet;
import java.util.Set;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;

/** The IPVS scheduler of a virtual server and its scheduler flags (IP_VS_SVC_F_SCHED1..3). */
record Scheduling(Scheduler scheduler, Set<ServiceFlag> flags) {
    Scheduling {
        flags = Set.copyOf(flags);
    }

    boolean isMaglev() {
        return scheduler.equals(Scheduler.MH);
    }

    Scheduling with(ServiceFlag flag) {
        EnumSet<ServiceFlag> f = flags.isEmpty() ? EnumSet.noneOf(ServiceFlag.class) : EnumSet.copyOf(flags);
        f.add(flag);
        return new Scheduling(scheduler, f);
    }

    Scheduling without(ServiceFlag flag) {
        EnumSet<ServiceFlag> f = flags.isEmpty() ? EnumSet.noneOf(ServiceFlag.class) : EnumSet.copyOf(flags);
        f.remove(flag);
        return new Scheduling(scheduler, f);
    }
}
