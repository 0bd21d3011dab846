package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.kernel.Capabilities;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.tunnel.Encapsulation;

/**
 * The manifests under {@code deploy/} (read from the module directory, {@code ../deploy}) against the agent
 * itself: the DaemonSets' arguments go through the agent's own flag parser, the ClusterRole grants exactly
 * {@link ApiAccess#required()}, the agent container gets exactly the capabilities the agent checks for at start,
 * and the examples are consistent enough to load into a mock API server.
 */
class DeployManifestsTest {
    private static final Path DEPLOY = Path.of("../deploy");
    private static final String AGENT = "kube-dsr";
    private static final String COMMAND = "/opt/kube-dsr/bin/kube-dsr";

    /** The three DaemonSet files and the flags that make each variant what it is. */
    private static final Map<String, List<String>> VARIANT_FLAGS = Map.of(
            "kube-dsr-proxy.yaml", List.of("--enable-overlay=false"),
            "kube-dsr-overlay.yaml", List.of("--overlay-type=subnet", "--overlay-encap=ipip"),
            "kube-dsr-dsr-gue.yaml", List.of("--overlay-encap=fou", "--overlay-encap-port=5555"));

    static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList();
        }
    }

    static List<HasMetadata> load(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = new KubernetesSerialization().unmarshal(in);
            List<?> objects = parsed instanceof List<?> l ? l : List.of(parsed);
            List<HasMetadata> out = new ArrayList<>();
            for (Object o : objects) {
                assertThat(o).as("%s holds only Kubernetes objects", file).isInstanceOf(HasMetadata.class);
                out.add((HasMetadata) o);
            }
            return out;
        }
    }

    static <T> List<T> all(Path file, Class<T> kind) throws IOException {
        return load(file).stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    static List<HasMetadata> examples() throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        for (Path p : yamlFiles()) {
            if (p.startsWith(DEPLOY.resolve("examples"))) {
                out.addAll(load(p));
            }
        }
        return out;
    }

    /** Every file under deploy/ that holds a DaemonSet, relative to deploy/. */
    static Stream<String> daemonSetFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : yamlFiles()) {
            if (load(p).stream().anyMatch(DaemonSet.class::isInstance)) {
                out.add(DEPLOY.relativize(p).toString());
            }
        }
        assertThat(out).containsAll(VARIANT_FLAGS.keySet());
        return out.stream();
    }

    static DaemonSet daemonSet(String file) throws IOException {
        List<DaemonSet> sets = all(DEPLOY.resolve(file), DaemonSet.class);
        assertThat(sets).as(file).hasSize(1);
        return sets.get(0);
    }

    static Container agentContainer(DaemonSet ds) {
        return ds.getSpec().getTemplate().getSpec().getContainers().stream()
                .filter(c -> c.getName().equals(AGENT)).findFirst().orElseThrow();
    }

    static String kind(HasMetadata o) {
        return o.getKind() != null ? o.getKind() : o.getClass().getSimpleName();
    }

    @Test
    void everyYamlFileParsesIntoTheExpectedKinds() throws IOException {
        Set<String> expected = Set.of("DaemonSet", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment",
                "Service", "EndpointSlice");
        Set<String> seen = new HashSet<>();
        List<Path> files = yamlFiles();
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            List<HasMetadata> objects = load(f);
            assertThat(objects).as(f.toString()).isNotEmpty();
            for (HasMetadata o : objects) {
                assertThat(kind(o)).as("kind in %s", f).isIn(expected);
                assertThat(o.getMetadata().getName()).as("name in %s", f).isNotBlank();
                seen.add(kind(o));
            }
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
        for (String file : VARIANT_FLAGS.keySet()) {
            assertThat(load(DEPLOY.resolve(file))).as(file).singleElement().isInstanceOf(DaemonSet.class);
        }
        assertThat(load(DEPLOY.resolve("rbac.yaml"))).extracting(DeployManifestsTest::kind)
                .containsExactly("ServiceAccount", "ClusterRole", "ClusterRoleBinding");
    }

    /** fabric8 keeps fields its model does not know (a typo such as mountPropogation) aside instead of failing. */
    @Test
    void noFieldIsUnknownToTheKubernetesModel() throws Exception {
        List<String> unknown = new ArrayList<>();
        for (Path f : yamlFiles()) {
            for (HasMetadata o : load(f)) {
                collectUnknownFields(o, f + ":" + kind(o) + "/" + o.getMetadata().getName(), unknown);
            }
        }
        assertThat(unknown).isEmpty();
    }

    private static void collectUnknownFields(Object o, String path, List<String> out) throws Exception {
        if (o instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectUnknownFields(list.get(i), path + "[" + i + "]", out);
            }
            return;
        }
        if (o instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectUnknownFields(e.getValue(), path + "." + e.getKey(), out);
            }
            return;
        }
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    out.add(path + ": " + extra.keySet());
                }
            } else {
                collectUnknownFields(value, path + "." + m.getName().substring(3), out);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("daemonSetFiles")
    void daemonSetArgumentsAreAcceptedByTheAgentsParserAndCarryTheVariantsFlags(String file) throws IOException {
        Container c = agentContainer(daemonSet(file));
        assertThat(c.getCommand()).containsExactly(COMMAND);
        List<String> args = c.getArgs();
        assertThatCode(() -> AgentFlags.parse(args.toArray(String[]::new))).as(file).doesNotThrowAnyException();
        assertThat(args).containsAll(VARIANT_FLAGS.getOrDefault(file, List.of()));
    }

    /**
     * The migration example: every kube-router flag kube-dsr also has keeps its name and value, except the
     * ones its README explains (API server access, the overlay kube-router keeps, ports kube-router still holds).
     */
    @Test
    void migrationKeepsKubeRoutersProxyFlagsAsTheyWere() throws IOException {
        Set<String> known = AgentFlags.FLAGS.stream().map(f -> f.name()).collect(Collectors.toSet());
        Set<String> changedOnPurpose = Set.of("kubeconfig", "master", "enable-overlay", "overlay-type", "overlay-encap",
                "overlay-encap-port", "health-port", "metrics-port");
        List<String> kubeRouter = Files.readAllLines(DEPLOY.resolve("migrate-from-kube-router/kube-router-args.txt")).stream()
                .map(String::trim).filter(l -> l.startsWith("- --")).map(l -> l.substring(2)).toList();
        assertThat(kubeRouter).contains("--run-service-proxy=true");
        List<String> kubeDsr = agentContainer(daemonSet("migrate-from-kube-router/kube-dsr.yaml")).getArgs();
        List<String> carried = new ArrayList<>();
        for (String arg : kubeRouter) {
            String name = arg.substring(2, arg.contains("=") ? arg.indexOf('=') : arg.length());
            if (known.contains(name) && !changedOnPurpose.contains(name)) {
                carried.add(arg);
            }
        }
        assertThat(carried).hasSizeGreaterThan(3);
        assertThat(kubeDsr).containsAll(carried).contains("--enable-overlay=false").doesNotContain("--health-port=20244");
    }

    @Test
    void variantsDifferInWhatTheirFlagsSay() throws IOException {
        AgentConfig proxy = AgentFlags.parse(agentContainer(daemonSet("kube-dsr-proxy.yaml")).getArgs().toArray(String[]::new));
        AgentConfig overlay = AgentFlags.parse(agentContainer(daemonSet("kube-dsr-overlay.yaml")).getArgs().toArray(String[]::new));
        AgentConfig gue = AgentFlags.parse(agentContainer(daemonSet("kube-dsr-dsr-gue.yaml")).getArgs().toArray(String[]::new));
        assertThat(proxy.enableOverlay()).isFalse();
        assertThat(overlay.enableOverlay()).isTrue();
        assertThat(overlay.overlayType()).isEqualTo("subnet");
        assertThat(overlay.overlayEncap()).isEqualTo(Encapsulation.IPIP);
        assertThat(gue.enableOverlay()).isTrue();
        assertThat(gue.overlayEncap()).isEqualTo(Encapsulation.gue(5555));
    }

    @Test
    void clusterRoleGrantsExactlyWhatTheAgentCalls() throws IOException {
        List<ClusterRole> roles = all(DEPLOY.resolve("rbac.yaml"), ClusterRole.class);
        assertThat(roles).singleElement().satisfies(r -> assertThat(r.getMetadata().getName()).isEqualTo(AGENT));
        Set<String> granted = new HashSet<>();
        for (PolicyRule rule : roles.get(0).getRules()) {
            assertThat(rule.getResourceNames()).as("no resourceNames").isNullOrEmpty();
            assertThat(rule.getNonResourceURLs()).as("no nonResourceURLs").isNullOrEmpty();
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        assertThat(granted.add(group + "/" + resource + ":" + verb)).as("granted twice: %s/%s %s",
                                group, resource, verb).isTrue();
                    }
                }
            }
        }
        Set<String> required = ApiAccess.required().stream()
                .flatMap(p -> p.verbs().stream().map(v -> p.apiGroup() + "/" + p.resource() + ":" + v))
                .collect(Collectors.toSet());
        assertThat(granted).containsExactlyInAnyOrderElementsOf(required);
    }

    @Test
    void clusterRoleIsBoundToTheServiceAccount() throws IOException {
        Path rbac = DEPLOY.resolve("rbac.yaml");
        ServiceAccount sa = all(rbac, ServiceAccount.class).get(0);
        ClusterRoleBinding binding = all(rbac, ClusterRoleBinding.class).get(0);
        assertThat(sa.getMetadata().getName()).isEqualTo(AGENT);
        assertThat(sa.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("ClusterRole");
        assertThat(binding.getRoleRef().getName()).isEqualTo(AGENT);
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(sa.getMetadata().getName());
            assertThat(s.getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("daemonSetFiles")
    void daemonSetRunsOnTheHostWithTheServiceAccountMountsAndHealthProbes(String file) throws IOException {
        DaemonSet ds = daemonSet(file);
        ServiceAccount sa = all(DEPLOY.resolve("rbac.yaml"), ServiceAccount.class).get(0);
        assertThat(ds.getMetadata().getNamespace()).isEqualTo(sa.getMetadata().getNamespace());
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(sa.getMetadata().getName());
        assertThat(pod.getHostNetwork()).isTrue();
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getTolerations()).anySatisfy(t -> {
            assertThat(t.getOperator()).isEqualTo("Exists");
            assertThat(t.getKey()).isNull();
            assertThat(t.getEffect()).isNull();
        });

        Container c = agentContainer(ds);
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("KUBE_DSR_JAVA_OPTS"));
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).as("the capabilities Main checks for at start")
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Capabilities.Capability.values()).map(Enum::name).toList());

        Map<String, String> hostPathByVolume = new HashMap<>();
        for (Volume v : pod.getVolumes()) {
            if (v.getHostPath() != null) {
                hostPathByVolume.put(v.getName(), v.getHostPath().getPath());
            }
        }
        Map<String, VolumeMount> mountByHostPath = new HashMap<>();
        for (VolumeMount m : c.getVolumeMounts()) {
            String hostPath = hostPathByVolume.get(m.getName());
            if (hostPath != null) {
                mountByHostPath.put(hostPath, m);
            }
        }
        assertThat(mountByHostPath).containsKeys("/run/netns", "/proc", "/proc/sys", "/lib/modules");
        assertThat(mountByHostPath.get("/run/netns").getMountPropagation()).isEqualTo("HostToContainer");
        assertThat(mountByHostPath.get("/proc").getReadOnly()).isTrue();
        assertThat(mountByHostPath.get("/lib/modules").getReadOnly()).isTrue();

        AgentConfig config = AgentFlags.parse(c.getArgs().toArray(String[]::new));
        // The agent's sysctls go through a writable mount of the host's /proc/sys: the container's own is read-only.
        assertThat(mountByHostPath.get("/proc/sys").getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(config.sysctlDir().path()).hasToString(mountByHostPath.get("/proc/sys").getMountPath());
        assertThat(pod.getInitContainers()).as("the agent loads its modules and writes its sysctls itself").isNullOrEmpty();

        int healthPort = config.healthPort();
        for (var probe : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
            assertThat(probe).isNotNull();
            HTTPGetAction get = probe.getHttpGet();
            assertThat(get.getPath()).isEqualTo("/healthz");
            assertThat(get.getPort().getIntVal()).isEqualTo(healthPort);
            assertThat(get.getScheme()).isIn(null, "HTTP");
        }
    }

    @Test
    void exampleEndpointSlicesBelongToExampleServicesWithMatchingPortNames() throws IOException {
        List<HasMetadata> objects = examples();
        Map<String, Service> services = new HashMap<>();
        for (HasMetadata o : objects) {
            if (o instanceof Service s) {
                services.put(s.getMetadata().getNamespace() + "/" + s.getMetadata().getName(), s);
            }
        }
        List<EndpointSlice> slices = objects.stream().filter(EndpointSlice.class::isInstance).map(EndpointSlice.class::cast)
                .toList();
        assertThat(slices).isNotEmpty();
        Set<String> served = new HashSet<>();
        for (EndpointSlice slice : slices) {
            String owner = slice.getMetadata().getLabels().get(Annotations.LABEL_SERVICE_NAME);
            String key = slice.getMetadata().getNamespace() + "/" + owner;
            assertThat(services).as("service of slice %s", slice.getMetadata().getName()).containsKey(key);
            Set<String> servicePortNames = services.get(key).getSpec().getPorts().stream().map(ServicePort::getName)
                    .collect(Collectors.toSet());
            assertThat(slice.getPorts()).extracting(EndpointPort::getName).isSubsetOf(servicePortNames);
            served.add(key);
        }
        assertThat(served).as("every example Service has an EndpointSlice").isEqualTo(services.keySet());
    }

    @Test
    void examplesCoverClusterIpNodePortAndBothDsrEncapsulations() throws IOException {
        List<Service> services = examples().stream().filter(Service.class::isInstance).map(Service.class::cast).toList();
        assertThat(services).anySatisfy(s -> {
            assertThat(s.getMetadata().getName()).isEqualTo("web");
            assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
            assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> {
                assertThat(p.getPort()).isEqualTo(80);
                assertThat(p.getTargetPort().getIntVal()).isEqualTo(8080);
            });
        });
        assertThat(services).anySatisfy(s -> assertThat(s.getSpec().getType()).isEqualTo("NodePort"));
        assertThat(services).anySatisfy(s -> {
            assertThat(s.getMetadata().getAnnotations()).containsEntry(Annotations.DSR, "tunnel")
                    .doesNotContainKey(Annotations.DSR_ENCAP);
            assertThat(s.getSpec().getExternalIPs()).isNotEmpty();
        });
        assertThat(services).anySatisfy(s -> {
            assertThat(s.getMetadata().getAnnotations()).containsEntry(Annotations.DSR, "tunnel")
                    .containsEntry(Annotations.DSR_ENCAP, "gue");
            assertThat(s.getSpec().getExternalIPs()).isNotEmpty();
        });
        for (Service s : services) {
            assertThat(s.getSpec().getClusterIP()).startsWith("10.9"); // inside 10.96.0.0/12
            for (String ip : s.getSpec().getExternalIPs()) {
                assertThat(ip).startsWith("198.51.100.");
            }
        }
        assertThat(examples()).anySatisfy(o -> assertThat(o).isInstanceOf(Deployment.class));
    }
}
