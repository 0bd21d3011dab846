package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;

class NoAnswerTest {
    private static final KubernetesClientException TIMED_OUT =
            new KubernetesClientException("An error has occurred.", new TimeoutException("The timeout period of 10000ms has been exceeded"));
    private static final KubernetesClientException FORBIDDEN = new KubernetesClientException(
            new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("nodes is forbidden").build());

    @Test
    void aRequestWithoutAnHttpStatusGotNoAnswerOneWithAStatusWasAnswered() {
        assertThat(NoAnswer.in(TIMED_OUT)).isTrue();
        assertThat(NoAnswer.in(new CompletionException(TIMED_OUT))).isTrue();
        assertThat(NoAnswer.in(new SocketTimeoutException("connect timed out"))).isTrue();
        assertThat(NoAnswer.in(FORBIDDEN)).isFalse();
        assertThat(NoAnswer.in(new CompletionException(FORBIDDEN))).isFalse();
        assertThat(NoAnswer.in(new KubernetesClientException("wrapped", FORBIDDEN))).as("an answer inside").isFalse();
        assertThat(NoAnswer.in(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    void anInformersFirstListIsRetriedWhileUnansweredThenFabric8sRuleApplies() {
        ExceptionHandler handler = NoAnswer.informerHandler(3);
        assertThat(handler.retryAfterException(false, FORBIDDEN)).as("a refused first list stops the informer").isFalse();
        assertThat(handler.retryAfterException(false, TIMED_OUT)).isTrue();
        assertThat(handler.retryAfterException(false, TIMED_OUT)).isTrue();
        assertThat(handler.retryAfterException(false, TIMED_OUT)).as("the third failed list").isFalse();
        assertThat(handler.retryAfterException(true, TIMED_OUT)).as("once listed: fabric8's rule").isTrue();
        assertThat(handler.retryAfterException(true, new WatcherException("gone"))).isFalse();
    }
}
