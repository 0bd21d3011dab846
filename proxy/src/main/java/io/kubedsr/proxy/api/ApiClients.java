package io.kubedsr.proxy.api;

import java.util.concurrent.Executor;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * The agent's Kubernetes client: fabric8 on the agent's Vert.x instance, with every whole response (a list, a
 * get, a create) decoded, and every informer's store filled from a list, on the {@value #DECODER_POOL} workers
 * instead of the event loop that read it. Watch events, one object each, are decoded on the event loop.
 */
public final class ApiClients {
    /** The Vert.x worker pool that decodes API responses (its threads are named after it). */
    public static final String DECODER_POOL = "kube-dsr-api";
    /** Services, EndpointSlices and Nodes list at the same start: two can decode at once on a node with the cores. */
    static final int DECODER_THREADS = 2;

    private ApiClients() {
    }

    /** The HTTP client factory for fabric8: Vert.x's, with responses handed to the decoder pool. */
    public static HttpClient.Factory httpClientFactory(Vertx vertx) {
        WorkerExecutor workers = vertx.createSharedWorkerExecutor(DECODER_POOL, DECODER_THREADS);
        Executor decoder = task -> workers.executeBlocking(() -> {
            task.run();
            return null;
        }, false);
        return new OffLoopHttpClientFactory(new Vertx5HttpClientFactory(vertx), decoder);
    }

    public static KubernetesClient create(Config config, Vertx vertx) {
        return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(httpClientFactory(vertx)).build();
    }
}
