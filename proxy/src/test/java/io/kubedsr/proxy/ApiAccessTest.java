package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.kubedsr.proxy.ApiAccess.Call;
import io.kubedsr.proxy.ApiAccess.Permission;

class ApiAccessTest {
    private static final Path MAIN = Path.of("src/main/java");
    /**
     * The classes that may hold a client: they build it (ApiClients; Main, status, warm-up through it or fabric8's
     * builder) or hand it to ApiAccess (Agent, warm-up, status).
     */
    private static final Set<String> HOLD_A_CLIENT = Set.of("ApiAccess.java", "ApiClients.java", "Main.java", "Agent.java",
            "ApiServices.java", "WarmUp.java");
    /** The fabric8 DSL's ways into the API: a call written anywhere but ApiAccess would bypass the RBAC list. */
    private static final Pattern API_CALL = Pattern.compile(
            "\\b\\w*[cC]lient\\(?\\)?\\s*\\.\\s*(services|nodes|pods|discovery|v1|apps|events|configMaps|resource|resources"
                    + "|genericKubernetesResources|leases|network|rbac|raw)\\s*\\(");

    @Test
    void requiredMergesTheCallsOfOneResourceIntoOneRule() {
        assertThat(ApiAccess.required()).containsExactly(
                new Permission("", "services", Set.of("list", "watch")),
                new Permission("discovery.k8s.io", "endpointslices", Set.of("list", "watch")),
                new Permission("", "nodes", Set.of("list", "watch")),
                new Permission("", "events", Set.of("create")));
        assertThat(Call.NODES_INFORMER.permission().verbs()).containsExactlyInAnyOrder("list", "watch");
    }

    @Test
    void onlyApiAccessCallsTheApiServer() throws IOException {
        List<String> holders = new ArrayList<>();
        List<String> calls = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                if (source.contains("import io.fabric8.kubernetes.client.KubernetesClient;")) {
                    holders.add(f.getFileName().toString());
                }
                if (!f.endsWith("ApiAccess.java") && API_CALL.matcher(source).find()) {
                    calls.add(MAIN.relativize(f).toString());
                }
            }
        }
        assertThat(holders).as("classes holding a KubernetesClient").isSubsetOf(HOLD_A_CLIENT);
        assertThat(calls).as("API calls outside ApiAccess").isEmpty();
    }

    @Test
    void theCallPatternSeesACallWrittenOutsideApiAccess() {
        assertThat(API_CALL.matcher("Node n = client.nodes().withName(x).get();").find()).isTrue();
        assertThat(API_CALL.matcher("kubernetesClient.v1().events()").find()).isTrue();
        assertThat(API_CALL.matcher("for (var s : model.services()) {").find()).isFalse();
    }
}
