package io.kubedsr.proxy.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.kubedsr.proxy.ApiAccess;
import io.kubedsr.proxy.model.Problem;

/**
 * Reports Service problems as Kubernetes Events (type Warning, source kube-dsr on this node) and log lines. A problem
 * found again by later syncs is not posted again while its Event lives: the API server deletes Events after an hour
 * (kube-apiserver's {@code --event-ttl}), so a problem that persists is posted again after {@link #REPOST_AFTER}.
 * What was posted is remembered for at most {@link #CAPACITY} problems, the least recently found forgotten first (as
 * client-go's event correlator bounds its cache), so the memory stays bounded however many distinct problems come and
 * go; a forgotten problem found again is posted again, and so is one whose Event could not be posted (the API server
 * was away). (Before, every problem ever found was kept for the agent's life, and never posted again.)
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    /** kube-apiserver's default --event-ttl. */
    public static final Duration REPOST_AFTER = Duration.ofHours(1);
    public static final int CAPACITY = 4096;

    private final ApiAccess api;
    private final String nodeName;
    private final Clock clock;
    private final Duration repostAfter;
    /** Problems posted, with when; in order of the last time each was found. */
    private final Map<Problem, Instant> posted;

    public EventRecorder(ApiAccess api, String nodeName) {
        this(api, nodeName, Clock.systemUTC(), CAPACITY, REPOST_AFTER);
    }

    public EventRecorder(ApiAccess api, String nodeName, Clock clock, int capacity, Duration repostAfter) {
        this.api = api;
        this.nodeName = nodeName;
        this.clock = clock;
        this.repostAfter = repostAfter;
        this.posted = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Problem, Instant> eldest) {
                return size() > capacity;
            }
        };
    }

    /** How many problems are remembered (the agent's metrics show it). */
    public synchronized int size() {
        return posted.size();
    }

    /** Logs and posts the problem unless it was posted less than an hour ago. Never throws: Events are best effort. */
    public synchronized void record(Problem p) {
        Instant now = clock.instant();
        Instant last = posted.get(p); // found again: the most recent now
        if (last != null && now.isBefore(last.plus(repostAfter))) {
            return;
        }
        posted.put(p, now);
        LOG.warn("service={} reason={} message=\"{}\"", p.service(), p.reason(), p.message());
        String at = now.toString();
        try {
            api.createEvent(new EventBuilder()
                    .withNewMetadata().withGenerateName(p.service().name() + ".kube-dsr.").withNamespace(p.service().namespace())
                    .endMetadata()
                    .withNewInvolvedObject().withApiVersion("v1").withKind("Service").withNamespace(p.service().namespace())
                    .withName(p.service().name()).endInvolvedObject()
                    .withType("Warning").withReason(p.reason()).withMessage(p.message())
                    .withNewSource().withComponent("kube-dsr").withHost(nodeName).endSource()
                    .withReportingComponent("kube-dsr").withReportingInstance(nodeName)
                    .withFirstTimestamp(at).withLastTimestamp(at).withCount(1).build());
        } catch (RuntimeException e) {
            posted.remove(p); // posted when found again (the API server may be away)
            LOG.warn("could not post the event for service={} reason={}: {}", p.service(), p.reason(), e.getMessage());
        }
    }
}
