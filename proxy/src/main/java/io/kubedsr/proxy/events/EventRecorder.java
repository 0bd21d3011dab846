package io.kubedsr.proxy.events;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.kubedsr.proxy.ApiAccess;
import io.kubedsr.proxy.model.Problem;

/**
 * Reports Service problems as Kubernetes Events (type Warning, source kube-dsr on this node) and log lines.
 * The same problem is reported once per agent run, not on every sync.
 */
public final class EventRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
    private final ApiAccess api;
    private final String nodeName;
    private final Set<Problem> reported = new HashSet<>();

    public EventRecorder(ApiAccess api, String nodeName) {
        this.api = api;
        this.nodeName = nodeName;
    }

    /** Logs and posts the problem unless it was reported already. Never throws: Events are best effort. */
    public synchronized void record(Problem p) {
        if (!reported.add(p)) {
            return;
        }
        LOG.warn("service={} reason={} message=\"{}\"", p.service(), p.reason(), p.message());
        String now = Instant.now().toString();
        try {
            api.createEvent(new EventBuilder()
                    .withNewMetadata().withGenerateName(p.service().name() + ".kube-dsr.").withNamespace(p.service().namespace())
                    .endMetadata()
                    .withNewInvolvedObject().withApiVersion("v1").withKind("Service").withNamespace(p.service().namespace())
                    .withName(p.service().name()).endInvolvedObject()
                    .withType("Warning").withReason(p.reason()).withMessage(p.message())
                    .withNewSource().withComponent("kube-dsr").withHost(nodeName).endSource()
                    .withReportingComponent("kube-dsr").withReportingInstance(nodeName)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1).build());
        } catch (RuntimeException e) {
            LOG.warn("could not post the event for service={} reason={}: {}", p.service(), p.reason(), e.getMessage());
        }
    }
}
