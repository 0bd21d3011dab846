package io.kubedsr.proxy.plan;

import java.util.List;

import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.SchedulerFlags;
import io.kubedsr.proxy.model.ServiceRef;

/**
 * What the planner does so that the mh (Maglev hashing) scheduler maps a connection to the same pod on every node,
 * which is what lets a DSR connection survive a router moving it to another node (docs/dsr.md, "DSR behind ECMP").
 * The kernel side (real-server order, when a draining real server goes) is {@link MaglevOrder} and
 * {@link IpvsPlanner}'s; these are the rules on a Service's scheduling. Pure.
 */
final class ConsistentHashing {
    private ConsistentHashing() {
    }

    /**
     * Graceful termination gives a removed real server weight 0. ip_vs_mh keeps it in its lookup table (it fills the
     * table from each real server's last non-zero weight, {@code dest->last_weight}), and a connection hashed to it
     * finds an unavailable server: without mh-fallback (IP_VS_SVC_F_SCHED_MH_FALLBACK) IPVS answers ICMP port
     * unreachable, so for the whole drain new connections of those clients would fail (measured: every flow of
     * the draining server refused, no other flow moved). With it they go on along the table. So an mh virtual
     * server always gets mh-fallback when graceful termination is on.
     */
    static Scheduling withDrainFallback(Scheduling s, boolean gracefulTermination) {
        return s.isMaglev() && gracefulTermination ? s.with(SchedulerFlags.MH_FALLBACK) : s;
    }

    /**
     * The DSR addresses of a Service scheduled by mh. sessionAffinity ClientIP (IPVS persistence) sends every later
     * connection of a client where its first one went on that node; with mh-port another node would choose by the
     * later connection's port instead, so mh-port is dropped (the client's address alone then decides, on every node,
     * as persistence does). externalTrafficPolicy Local gives each node only its own pods as real servers: no two
     * nodes choose alike, which is said, and kept (the user asked for it).
     */
    static Scheduling forDsr(ServiceRef ref, Scheduling s, boolean affinity, boolean externalLocal, List<Problem> problems) {
        if (!s.isMaglev()) {
            return s;
        }
        Scheduling out = s;
        if (affinity && s.flags().contains(SchedulerFlags.MH_PORT)) {
            problems.add(new Problem(ref, "MhPortIgnored", "sessionAffinity ClientIP keeps a client on one pod; mh-port would "
                    + "let another node choose by port, so the DSR addresses are hashed by client address only"));
            out = out.without(SchedulerFlags.MH_PORT);
        }
        if (externalLocal) {
            problems.add(new Problem(ref, "DsrLocalPerNode", "externalTrafficPolicy Local: each node sends DSR traffic only "
                    + "to its own pods, so a connection that the network moves to another node is reset; use Cluster for "
                    + "connections to survive that"));
        }
        return out;
    }
}
