package io.kubedsr.e2e.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.kubedsr.e2e.lab.AgentProcess;

/** How the kubelet emulation reads deploy/kube-dsr-proxy.yaml: everything it declares, in docker's terms. */
class DaemonSetToDockerTest {
    private final DaemonSetManifest ds = DaemonSetManifest.read("kube-dsr-proxy.yaml");

    private static String node(String hostPath) {
        return switch (hostPath) {
            case "/run/netns" -> "/vm/node1/netns";
            case "/proc" -> "/vm/node1/proc";
            case "/proc/sys" -> "/vm/node1/proc/sys";
            case "/lib/modules" -> "/vm/modules";
            default -> throw new IllegalArgumentException(hostPath);
        };
    }

    private ContainerSpec translate(Container c, UnaryOperator<List<String>> args) {
        return DaemonSetToDocker.container(ds, c, "node1", "kdsr-node1", DaemonSetToDockerTest::node, "/vm/token", args);
    }

    @Test
    void theAgentContainerAsTheManifestDeclaresIt() {
        ContainerSpec s = translate(ds.agent(), args -> args.stream().map(a -> a.startsWith("--master=") ? "--master=http://api" : a).toList());
        assertThat(s.image()).isEqualTo("kube-dsr:0.1.0-SNAPSHOT");
        assertThat(s.entrypoint()).containsExactly("/opt/kube-dsr/bin/kube-dsr");
        assertThat(s.args()).contains("--master=http://api", "--enable-overlay=false", "--health-port=20244")
                .noneMatch(a -> a.contains("kube-apiserver.invalid"));
        assertThat(s.env()).containsEntry("NODE_NAME", "node1").containsKey("KUBE_DSR_JAVA_OPTS")
                .containsEntry("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        assertThat(s.env().get("KUBE_DSR_JAVA_OPTS")).contains("-XX:MaxRAMPercentage=50");
        assertThat(s.env().get("KUBE_DSR_JAVA_OPTS").replace("-XX:MaxRAMPercentage=50", "-Xmx192m -Xms6m").trim().split("\\s+"))
                .as("the VM tests and benchmarks run the agent as the manifest does (its 50% of 384Mi: 192m; the default initial 1/64: 6m)")
                .containsExactlyInAnyOrder(AgentProcess.JAVA_OPTS.split(" "));
        assertThat(s.capDrop()).containsExactly("ALL");
        assertThat(s.capAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE");
        assertThat(s.privileged()).isFalse();
        assertThat(s.securityOpts()).as("RuntimeDefault: docker's default seccomp profile").containsExactly("no-new-privileges");
        assertThat(s.memoryBytes()).isEqualTo(384L * 1024 * 1024);
        assertThat(s.cpuShares()).isEqualTo(102);
        assertThat(s.binds()).containsExactlyInAnyOrder("/vm/node1/netns:/run/netns:rslave", "/vm/node1/proc:/host/proc:ro",
                "/vm/node1/proc/sys:/host/proc/sys", "/vm/modules:/lib/modules:ro",
                "/vm/token:/var/run/secrets/kubernetes.io/serviceaccount:ro");
        assertThat(s.networkMode()).isEqualTo("container:kdsr-node1");
        assertThat(s.pidMode()).isEqualTo("container:kdsr-node1");
        assertThat(s.name()).isEqualTo("node1-kube-dsr");
        assertThat(DaemonSetToDocker.readinessProbe(ds.agent())).isEqualTo(new DaemonSetToDocker.HttpProbe("/healthz", 20244));
    }

    @Test
    void initContainersRunAsTheKubeletRunsThem() {
        Container init = new ContainerBuilder().withName("prepare").withImage("kube-dsr:0.1.0-SNAPSHOT")
                .withCommand("/bin/sh", "-ec", "modprobe ip_vs").withNewSecurityContext().withNewCapabilities()
                .withDrop("ALL").withAdd("SYS_MODULE").endCapabilities().endSecurityContext()
                .addNewVolumeMount().withName("lib-modules").withMountPath("/lib/modules").withReadOnly(true).endVolumeMount().build();
        ContainerSpec s = translate(init, UnaryOperator.identity());
        assertThat(s.name()).isEqualTo("node1-prepare");
        assertThat(s.entrypoint()).containsExactly("/bin/sh", "-ec", "modprobe ip_vs");
        assertThat(s.capAdd()).containsExactly("SYS_MODULE");
        assertThat(s.binds()).contains("/vm/modules:/lib/modules:ro");
    }

    @Test
    void aPodWithoutASeccompProfileRunsUnconfinedAsTheKubeletRunsIt() {
        DaemonSetManifest unconfined = new DaemonSetManifest(ds.file(), new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder(
                ds.daemonSet()).editSpec().editTemplate().editSpec().withSecurityContext(null).endSpec().endTemplate().endSpec().build());
        ContainerSpec s = DaemonSetToDocker.container(unconfined, unconfined.agent(), "node1", "kdsr-node1",
                DaemonSetToDockerTest::node, "/vm/token", UnaryOperator.identity());
        assertThat(s.securityOpts()).containsExactlyInAnyOrder("no-new-privileges", "seccomp=unconfined");
    }

    @Test
    void oneCapabilityFewer() {
        ContainerSpec s = translate(ds.agent(), UnaryOperator.identity()).withoutCapability("SYS_PTRACE");
        assertThat(s.capAdd()).containsExactlyInAnyOrder("NET_ADMIN", "SYS_ADMIN", "SYS_MODULE");
        assertThatThrownBy(() -> s.withoutCapability("SYS_PTRACE")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void whatTheEmulationCannotRunIsAnError() {
        Container other = new ContainerBuilder(ds.agent()).editFirstEnv().withNewValueFrom().withNewFieldRef()
                .withFieldPath("status.podIP").endFieldRef().endValueFrom().endEnv().build();
        assertThatThrownBy(() -> translate(other, UnaryOperator.identity())).hasMessageContaining("status.podIP")
                .isInstanceOf(IllegalArgumentException.class);
        Container cpuLimit = new ContainerBuilder(ds.agent()).editResources()
                .addToLimits("cpu", new io.fabric8.kubernetes.api.model.Quantity("1")).endResources().build();
        assertThatThrownBy(() -> translate(cpuLimit, UnaryOperator.identity())).hasMessageContaining("limit cpu");
    }
}
