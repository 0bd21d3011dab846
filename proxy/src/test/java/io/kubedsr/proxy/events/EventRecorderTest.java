package io.kubedsr.proxy.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.kubedsr.proxy.ApiAccess;
import io.kubedsr.proxy.CrudApiServer;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;

/** Problems become Warning Events on their Service, once while the Event lives, with a bounded memory. */
class EventRecorderTest {
    private final KubernetesMockServer server = CrudApiServer.start();
    private final KubernetesClient client;
    private final MovableClock clock = new MovableClock();

    EventRecorderTest() {
        // No retries: the test of an API server that went away would wait out fabric8's backoff.
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(server.createClient().getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
    }

    private boolean serverStopped;

    @AfterEach
    void tearDown() {
        client.close();
        if (!serverStopped) {
            server.destroy();
        }
    }

    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static Problem problem(String service, String message) {
        return new Problem(new ServiceRef("default", service), "InvalidAnnotation", message);
    }

    private List<Event> events() {
        return client.v1().events().inNamespace("default").list().getItems();
    }

    @Test
    void aProblemIsAWarningEventOnItsServicePostedOnceWhileTheEventLives() {
        EventRecorder recorder = new EventRecorder(new ApiAccess(client), "node1", clock, 10, Duration.ofHours(1));
        Problem p = problem("web", "kube-router.io/service.scheduler: 'fastest' is not a scheduler");
        recorder.record(p);
        recorder.record(p);
        clock.now = clock.now.plus(Duration.ofMinutes(59));
        recorder.record(p);
        assertThat(events()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo("Warning");
            assertThat(e.getReason()).isEqualTo("InvalidAnnotation");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("Service");
            assertThat(e.getSource().getHost()).isEqualTo("node1");
        });
        clock.now = clock.now.plus(Duration.ofMinutes(2)); // the API server has deleted the first Event by now
        recorder.record(p);
        assertThat(events()).hasSize(2);
    }

    @Test
    void distinctProblemsWithoutEndAreRememberedUpToTheCapacityTheLeastRecentlyFoundForgottenFirst() {
        EventRecorder recorder = new EventRecorder(new ApiAccess(client), "node1", clock, 3, Duration.ofHours(1));
        Problem kept = problem("web", "a problem that persists");
        recorder.record(kept);
        for (int i = 0; i < 20; i++) {
            recorder.record(problem("churn", "endpoint " + i + " is bad"));
            recorder.record(kept); // found again by every sync: the most recent, never forgotten
            assertThat(recorder.size()).isLessThanOrEqualTo(3);
        }
        assertThat(events()).filteredOn(e -> e.getInvolvedObject().getName().equals("web")).hasSize(1);
        assertThat(events()).filteredOn(e -> e.getInvolvedObject().getName().equals("churn")).hasSize(20);
        recorder.record(problem("churn", "endpoint 0 is bad")); // forgotten long ago: posted again
        assertThat(events()).filteredOn(e -> e.getInvolvedObject().getName().equals("churn")).hasSize(21);
    }

    @Test
    void aProblemWhoseEventCouldNotBePostedIsNotRememberedSoTheNextSyncPostsIt() {
        EventRecorder recorder = new EventRecorder(new ApiAccess(client), "node1", clock, 10, Duration.ofHours(1));
        Problem p = problem("web", "found while the API server was away");
        recorder.record(problem("web", "posted before the API server went away"));
        serverStopped = true;
        server.destroy(); // the API server is away
        recorder.record(p);
        assertThat(recorder.size()).isEqualTo(1);
    }
}
