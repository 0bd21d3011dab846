package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubedsr.ipvs.FakeIpvsTable;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.ipvs.IpvsTimeouts;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.ipvs.VirtualServerStatus;
import io.kubedsr.proxy.api.ApiClients;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.SyncResult;
import io.vertx.core.Vertx;

/**
 * The whole agent on the host, against fabric8's mock API server, with the node's kernel in memory
 * ({@link FakeNodeKernel}): how a start goes and how it fails.
 */
class AgentTest {
    private final Vertx vertx = Vertx.vertx();
    private KubernetesMockServer server;
    private KubernetesClient client;
    private Agent agent;

    @BeforeEach
    void api() {
        server = CrudApiServer.start();
        client = server.createClient(b -> b.withHttpClientFactory(ApiClients.httpClientFactory(vertx)));
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build()).create();
    }

    @AfterEach
    void close() {
        if (agent != null) {
            agent.close();
        }
        client.close();
        vertx.close().await();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // fabric8's CRUD mock replays every stored object as ADDED when a watch opens, each write awaited on
            // its listener's executor; a watch closed mid-replay (the agent stopping) parks the mock's event loop
            // in WatchEventsListener.onClosed waiting for that executor, whose write waits for the same loop
            // (up to 30 s), longer than MockWebServer.shutdown waits (10 s). The mock's shutdown, not the agent.
            if (!"Unable to close MockWebServer".equals(e.getMessage())) {
                throw e;
            }
        }
    }

    private Agent agent(KubernetesClient api, FakeNodeKernel kernel) {
        agent = new Agent(AgentFlags.parse(new String[] {"--health-port=0"}), api, vertx, "node1", () -> kernel);
        return agent;
    }

    /**
     * fabric8 hands the informers' list notifications to its own threads, which may reach the agent after the lists
     * are done: the first full sync must carry every listed object all the same, or it would plan only part of them
     * (and a restarted agent would delete the others' kernel state). The Services' and EndpointSlices' informer stores
     * hold stubs (key, version, a label), never to be planned: the first sync waits for the notifications. Here they
     * are held back until the lists are done and the agent has had a second to start its first sync anyway; a sync
     * of stubs would write no real server.
     */
    @Test
    void theFirstFullSyncCarriesEveryListedServiceWhateverTheNotificationsDo() throws Exception {
        int count = 300;
        HeldExecutor notifications = new HeldExecutor();
        KubernetesClient api = server.createClient(b -> b.withHttpClientFactory(ApiClients.httpClientFactory(vertx))
                .withTaskExecutor(notifications));
        for (int i = 0; i < count; i++) {
            String ip = "10.96." + (i >> 8) + "." + (i & 0xFF);
            client.services().inNamespace("default").resource(TestObjects.service("svc-" + i, ip, 80, null)).create();
            client.discovery().v1().endpointSlices().inNamespace("default")
                    .resource(TestObjects.slice("svc-" + i, 8080, "node1", "10.244.1." + (1 + i % 250), "10.244.2." + (1 + i % 250)))
                    .create();
        }
        FakeNodeKernel kernel = new FakeNodeKernel();
        List<SyncResult> syncs = new CopyOnWriteArrayList<>();
        agent(api, kernel).onSync(syncs::add);
        CompletableFuture<SyncResult> start = agent.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!notifications.holdsAny() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(notifications.holdsAny()).as("the informers have listed and notify").isTrue();
        Thread.sleep(1000);
        assertThat(start).as("the first sync waits for the listed objects' notifications").isNotDone();
        assertThat(syncs).isEmpty();
        notifications.release();
        SyncResult first = start.get(60, TimeUnit.SECONDS);
        assertThat(first.ipvsOperations()).as("a virtual server and two real servers per Service").isEqualTo(count * 3);
        assertThat(kernel.ipvs().virtualServers()).hasSize(count);
        assertThat(agent.startup().services()).isEqualTo(count);
        assertThat(agent.startup().planning()).isPositive();
        assertThat(agent.failure()).isNotDone();
        agent.close();
        api.close();
    }

    /** Runs nothing until released; then what it held, in order, and everything later at once. */
    private static final class HeldExecutor implements Executor {
        private final List<Runnable> held = new ArrayList<>();
        private boolean released;

        @Override
        public void execute(Runnable task) {
            synchronized (this) {
                if (!released) {
                    held.add(task);
                    return;
                }
            }
            task.run();
        }

        synchronized boolean holdsAny() {
            return !held.isEmpty();
        }

        void release() {
            List<Runnable> now;
            synchronized (this) {
                if (released) {
                    return;
                }
                released = true;
                now = new ArrayList<>(held);
            }
            now.forEach(Runnable::run);
        }
    }

    @Test
    void aStartWhoseKernelCannotBeOpenedFailsWithWhatTheKernelSaid() {
        agent = new Agent(AgentFlags.parse(new String[] {"--health-port=0"}), client, vertx, "node1", () -> {
            throw new IllegalStateException("generic netlink family IPVS not found");
        });
        assertThatThrownBy(() -> agent.start().get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().hasMessage("opening the node's kernel failed: generic netlink family IPVS not found");
    }

    @Test
    void aStartWhoseApiCannotBeListedFailsNamingWhatCouldNotBeListed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (KubernetesClient unreachable = ApiClients.create(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + closedPort)
                .withRequestRetryBackoffLimit(0).build(), vertx)) {
            Agent a = agent(unreachable, new FakeNodeKernel());
            assertThatThrownBy(() -> a.start().get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().hasMessageMatching("listing (Services|EndpointSlices|Nodes) failed: .*Connection refused.*");
            a.close();
        }
    }

    /** An Error is a defect or a JVM in trouble, not a sync to retry: the agent reports that it cannot go on. */
    @Test
    void anErrorOnTheKernelThreadEndsTheAgent() throws Exception {
        FakeIpvsTable fake = new FakeIpvsTable();
        IpvsTable broken = new IpvsTable() {
            @Override
            public List<VirtualServerStatus> virtualServers() {
                throw new StackOverflowError("a defect");
            }

            @Override
            public List<RealServerStatus> realServers(VirtualServerKey service) {
                return fake.realServers(service);
            }

            @Override
            public List<IpvsFailure> apply(List<? extends IpvsOperation> operations) {
                return fake.apply(operations);
            }

            @Override
            public IpvsTimeouts timeouts() {
                return fake.timeouts();
            }

            @Override
            public void setTimeouts(IpvsTimeouts timeouts) {
                fake.setTimeouts(timeouts);
            }
        };
        agent(client, new FakeNodeKernel(broken)).start();
        Throwable failure = agent.failure().get(60, TimeUnit.SECONDS);
        assertThat(failure).hasMessageStartingWith("the kernel thread died").hasRootCauseInstanceOf(StackOverflowError.class);
    }

    /** The agent's API client decodes whole responses on its decoder workers, never on the event loop that read them. */
    @Test
    void responsesAreHandedToTheDecoderPool() throws Exception {
        var http = client.getHttpClient();
        String thread = http.sendAsync(http.newHttpRequestBuilder().uri(server.url("/api/v1/nodes")).build(), byte[].class)
                .thenApply(r -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS);
        assertThat(thread).startsWith(ApiClients.DECODER_POOL);
    }
}
