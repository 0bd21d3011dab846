package io.kubedsr.proxy.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.SchedulerFlags;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * What a Service's annotations say about scheduling ({@code kube-router.io/service.scheduler} and
 * {@code .schedflags}), and the defaults where they say nothing: rr without flags (kube-router's), and on the DSR
 * addresses {@code --dsr-scheduler} with {@code --dsr-scheduler-flags}. An invalid annotation is a problem and
 * counts as absent (the scheduler) or as no flags.
 */
final class SchedulerChoice {
    private final Scheduler annotated;
    private final String flagWords;

    private SchedulerChoice(Scheduler annotated, String flagWords) {
        this.annotated = annotated;
        this.flagWords = flagWords;
    }

    static SchedulerChoice read(ServiceRef ref, Map<String, String> annotations, List<Problem> problems) {
        Scheduler scheduler = null;
        String value = annotations.get(Annotations.SCHEDULER);
        if (value != null) {
            try {
                scheduler = Scheduler.parse(value);
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(ref, "InvalidAnnotation", Annotations.SCHEDULER + ": " + e.getMessage()
                        + "; using the default (" + ServicePlanner.DEFAULT_SCHEDULER + ", --dsr-scheduler on DSR addresses)"));
            }
        }
        String words = annotations.get(Annotations.SCHED_FLAGS);
        if (words != null) {
            try {
                SchedulerFlags.parse(words, Scheduler.RR, false); // the words are checked once; which apply depends on the scheduler
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(ref, "InvalidAnnotation", Annotations.SCHED_FLAGS + ": " + e.getMessage()
                        + "; using no scheduler flags"));
                words = "";
            }
        }
        return new SchedulerChoice(scheduler, words);
    }

    /** For the cluster IPs, NodePorts and non-DSR external addresses. */
    Scheduling service() {
        Scheduler s = annotated != null ? annotated : ServicePlanner.DEFAULT_SCHEDULER;
        return new Scheduling(s, flagWords == null ? Set.of() : SchedulerFlags.parse(flagWords, s, false));
    }

    /** For the DSR addresses: the annotations where given, else the node's {@code --dsr-scheduler(-flags)}. */
    Scheduling dsr(AgentConfig config) {
        Scheduler s = annotated != null ? annotated : config.dsrScheduler();
        Set<ServiceFlag> flags;
        if (flagWords != null) {
            flags = SchedulerFlags.parse(flagWords, s, false);
        } else {
            flags = annotated == null ? config.dsrSchedulerFlags() : Set.of();
        }
        return new Scheduling(s, flags);
    }
}
