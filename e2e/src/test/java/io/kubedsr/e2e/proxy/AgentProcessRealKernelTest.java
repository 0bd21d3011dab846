package io.kubedsr.e2e.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubedsr.e2e.lab.AgentProcess;
import io.kubedsr.e2e.lab.ApiLink;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.RoutedLan;
import io.kubedsr.e2e.vm.VmTest;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * {@code bin/kube-dsr} as a process in a node namespace: a start that cannot succeed ends the process with status 1
 * (3 for a missing capability) and one line saying why, so that the kubelet starts another; before, the main thread
 * died and Vert.x's threads kept a JVM that neither worked nor exited.
 */
@Order(8)
@VmTest(modules = {"ip_vs", "dummy"}, timeoutSeconds = 600)
class AgentProcessRealKernelTest {
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(240);
    private TestNamespace router;
    private TestNamespace node;
    private ApiLink link;
    private AgentProcess agent;

    @BeforeEach
    void lab() {
        router = TestNamespace.create();
        node = TestNamespace.create();
        RoutedLan.router(router);
        RoutedLan.node(router, node, 1);
        link = ApiLink.to(router, List.of("192.168.1.0/24"));
    }

    @AfterEach
    void tearDown() {
        if (agent != null) {
            agent.close();
        }
        link.close();
        node.close();
        router.close();
    }

    private void start(Path kubeconfig, List<String> prefix) throws Exception {
        agent = AgentProcess.start(node, "node1", IpPrefix.parseAddress("192.168.1.1"), kubeconfig, List.of(), prefix);
    }

    private void assertEndsWith(String message) throws Exception {
        int status = agent.awaitExit(EXIT_LIMIT);
        System.out.println(agent.logLines("kube-dsr: fatal"));
        assertThat(status).as("exit status; log:\n%s", agent.log()).isEqualTo(1);
        assertThat(agent.logLines("kube-dsr: fatal: could not start: ")).as(agent.log()).singleElement().asString().contains(message);
    }

    @Test
    void anApiServerThatDoesNotAnswerEndsTheProcess() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        start(MockApi.writeKubeconfig("http://" + IpPrefix.format(ApiLink.ADDRESS) + ":" + closed + "/"), List.of());
        assertEndsWith("Connection refused");
        assertThat(agent.logLines("kube-dsr: fatal")).singleElement().asString().containsPattern("listing (Services|EndpointSlices|Nodes) failed");
    }

    /** What an agent without its RBAC role meets: every list is refused with 403. */
    @Test
    void anApiServerThatRefusesTheListsEndsTheProcess() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpServer forbidding = vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(403)
                    .putHeader("content-type", "application/json")
                    .end("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\",\"code\":403,"
                            + "\"message\":\"services is forbidden: User cannot list resource\"}"))
                    .listen(0, IpPrefix.format(ApiLink.ADDRESS)).await();
            start(MockApi.writeKubeconfig("http://" + IpPrefix.format(ApiLink.ADDRESS) + ":" + forbidding.actualPort() + "/"), List.of());
            assertEndsWith("forbidden");
        } finally {
            vertx.close().await();
        }
    }

    /**
     * An agent whose pod lacks CAP_NET_ADMIN: the API answers, but the agent checks its capabilities before it
     * touches the kernel (Main), and exits 3 with a line naming the missing one; nothing is written.
     */
    @Test
    void anAgentWithoutCapNetAdminExitsThreeNamingItBeforeTouchingTheKernel() throws Exception {
        try (MockApi api = MockApi.startOn(ApiLink.ADDRESS)) {
            api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build()).create();
            start(api.writeKubeconfig(), List.of("setpriv", "--bounding-set=-net_admin", "--"));
            int status = agent.awaitExit(EXIT_LIMIT);
            System.out.println(agent.logLines("kube-dsr: missing"));
            assertThat(status).as("exit status; log:\n%s", agent.log()).isEqualTo(3);
            assertThat(agent.logLines("kube-dsr: missing capability CAP_NET_ADMIN (")).as(agent.log()).singleElement()
                    .asString().contains("Nothing was changed in the kernel");
            assertThat(node.exec("ip", "link", "show")).as("nothing written").doesNotContain("kube-dummy-if");
        }
    }
}
