package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.watch.ClusterModel;

/**
 * Desired-state scenarios: {@code scenarios/NAME/input.yaml} (Services and EndpointSlices), optional
 * {@code flags.txt}, and {@code expected.txt}, the sorted text dump of the planned kernel state (the service
 * table's dump, so conflicts and DSR marks are as the agent has them). This node is node1 in zone zone-a with
 * addresses 192.168.1.1 and fd00:1::1 (and 10.0.0.7 among all local addresses).
 * Set -Dkubedsr.scenarios.update=true to rewrite expected.txt after a deliberate change, then review the diff.
 */
class PlannerScenarioTest {
    private static final Path ROOT = Path.of("src/test/resources/scenarios");
    static final NodeInfo NODE = new NodeInfo("node1",
            List.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("fd00:1::1")),
            List.of(IpPrefix.parseAddress("192.168.1.1"), IpPrefix.parseAddress("10.0.0.7"), IpPrefix.parseAddress("fd00:1::1")),
            "zone-a");

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> dirs = Files.list(ROOT)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    /** Plans every Service and puts the plans into a service table, as the agent's syncs do. */
    static ServiceTable plan(Path dir) throws IOException {
        List<String> flags = new ArrayList<>();
        Path flagFile = dir.resolve("flags.txt");
        if (Files.exists(flagFile)) {
            Files.readAllLines(flagFile).stream().map(String::trim).filter(l -> !l.isEmpty()).forEach(flags::add);
        }
        AgentConfig config = AgentFlags.parse(flags.toArray(String[]::new));
        List<Service> services = new ArrayList<>();
        List<EndpointSlice> slices = new ArrayList<>();
        try (InputStream in = Files.newInputStream(dir.resolve("input.yaml"))) {
            Object parsed = new KubernetesSerialization().unmarshal(in);
            List<?> objects = parsed instanceof List<?> l ? l : List.of(parsed);
            for (Object o : objects) {
                if (o instanceof Service s) {
                    services.add(s);
                } else if (o instanceof EndpointSlice e) {
                    slices.add(e);
                } else {
                    throw new IllegalArgumentException("unexpected object in " + dir + ": " + ((HasMetadata) o).getKind());
                }
            }
        }
        // Through the model, as the agent keeps them (the views the planner reads).
        ClusterModel model = new ClusterModel();
        services.forEach(model::putService);
        slices.forEach(model::putSlice);
        ServicePlanner planner = new ServicePlanner(config, NODE);
        ServiceTable table = new ServiceTable(new DsrMarks());
        for (Service s : services) {
            ServiceRef ref = ClusterModel.refOf(s);
            table.put(planner.plan(model.service(ref).orElseThrow(), model.slices(ref)));
        }
        return table;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void plannedStateMatchesTheExpectedDump(String name) throws IOException {
        Path dir = ROOT.resolve(name);
        String actual = plan(dir).dump();
        Path expected = dir.resolve("expected.txt");
        if (Boolean.getBoolean("kubedsr.scenarios.update")) {
            Files.writeString(expected, actual, StandardCharsets.UTF_8);
        }
        assertThat(actual).isEqualTo(Files.readString(expected, StandardCharsets.UTF_8));
    }
}
