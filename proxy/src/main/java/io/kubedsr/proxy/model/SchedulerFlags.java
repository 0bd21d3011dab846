package io.kubedsr.proxy.model;

import java.util.EnumSet;
import java.util.Set;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;

/**
 * The words of {@code kube-router.io/service.schedflags} and {@code --dsr-scheduler-flags}: kube-router's
 * {@code flag-1}, {@code flag-2}, {@code flag-3} (IP_VS_SVC_F_SCHED1..3, whatever the scheduler), and ipvsadm's
 * names for what they mean to one scheduler: {@code sh-fallback}/{@code sh-port} (IP_VS_SVC_F_SCHED_SH_FALLBACK,
 * IP_VS_SVC_F_SCHED_SH_PORT in linux/ip_vs.h) and {@code mh-fallback}/{@code mh-port} (IP_VS_SVC_F_SCHED_MH_FALLBACK,
 * IP_VS_SVC_F_SCHED_MH_PORT, defined in the kernel's ip_vs_mh.c as SCHED1 and SCHED2). A named word must belong to
 * a scheduler: on a Service's annotation it applies where that scheduler is used (a DSR Service may use mh on its
 * DSR addresses and rr on its cluster IP), in a flag it must be the flagged scheduler's.
 */
public final class SchedulerFlags {
    private SchedulerFlags() {
    }

    /** mh: when the chosen real server is unavailable (weight 0), look further along the table. */
    public static final ServiceFlag MH_FALLBACK = ServiceFlag.SCHED1;
    /** mh: hash the client's port too, not only its address. */
    public static final ServiceFlag MH_PORT = ServiceFlag.SCHED2;

    /**
     * Parses comma-separated words (empty text: no flags) for {@code scheduler}; a word named after another scheduler
     * is skipped, or refused when {@code strict}.
     *
     * @throws IllegalArgumentException naming the word that is unknown (or, strict, another scheduler's)
     */
    public static Set<ServiceFlag> parse(String text, Scheduler scheduler, boolean strict) {
        EnumSet<ServiceFlag> flags = EnumSet.noneOf(ServiceFlag.class);
        if (text == null || text.isBlank()) {
            return flags;
        }
        for (String part : text.split(",")) {
            String word = part.trim();
            ServiceFlag flag = switch (word) {
                case "flag-1" -> ServiceFlag.SCHED1;
                case "flag-2" -> ServiceFlag.SCHED2;
                case "flag-3" -> ServiceFlag.SCHED3;
                case "sh-fallback", "mh-fallback" -> ServiceFlag.SCHED1;
                case "sh-port", "mh-port" -> ServiceFlag.SCHED2;
                default -> throw new IllegalArgumentException("'" + word + "' is not flag-1, flag-2, flag-3, "
                        + "sh-fallback, sh-port, mh-fallback or mh-port");
            };
            String owner = word.startsWith("sh-") ? "sh" : word.startsWith("mh-") ? "mh" : null;
            if (owner == null || owner.equals(scheduler.name())) {
                flags.add(flag);
            } else if (strict) {
                throw new IllegalArgumentException("'" + word + "' is a flag of the " + owner + " scheduler, not of "
                        + scheduler.name());
            }
        }
        return flags;
    }
}
