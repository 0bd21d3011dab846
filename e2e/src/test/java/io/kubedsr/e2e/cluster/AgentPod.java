package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;


import com.github.dockerjava.api.command.InspectContainerResponse;
import org.testcontainers.containers.GenericContainer;

import io.fabric8.kubernetes.api.model.Container;
import io.kubedsr.e2e.lab.Await;
import io.kubedsr.e2e.vm.BlockedThreadFindings;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;

/**
 * The pod of a DaemonSet on one node, run the way a kubelet runs it: its init containers one after the other
 * to completion (each must exit 0), then the agent container, every one as {@link DaemonSetToDocker} translates
 * it from the manifest. Ready when the readiness probe the manifest declares answers 200, asked over the
 * node's network as the kubelet asks a hostNetwork pod.
 */
public final class AgentPod implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final ContainerSpec spec;
    private final GenericContainer<?> container;
    private final String probeUrl;
    private final String metricsUrl;
    private boolean stopped;

    private AgentPod(ContainerSpec spec, GenericContainer<?> container, String probeUrl, String metricsUrl) {
        this.spec = spec;
        this.container = container;
        this.probeUrl = probeUrl;
        this.metricsUrl = metricsUrl;
    }

    /**
     * Runs {@code ds}'s pod on {@code node} (address {@code nodeAddress}) against {@code api}; {@code tweak} may
     * change the agent container before it starts (a capability fewer).
     */
    public static AgentPod start(DaemonSetManifest ds, NodeContainer node, String nodeAddress, ClusterApi api,
            UnaryOperator<ContainerSpec> tweak) {
        for (Container init : ds.pod().getInitContainers() == null ? List.<Container>of() : ds.pod().getInitContainers()) {
            ContainerSpec s = translate(ds, init, node, api);
            GenericContainer<?> c = Containers.of(s, true);
            try {
                c.start();
                long exit = c.getCurrentContainerInfo().getState().getExitCodeLong();
                if (exit != 0) {
                    throw new AssertionError("init container " + init.getName() + " on " + node.name() + " exited " + exit + ":\n"
                            + c.getLogs());
                }
                System.out.print(indent(node.name() + "/" + init.getName(), c.getLogs()));
            } finally {
                c.stop();
            }
        }
        ContainerSpec spec = tweak.apply(translate(ds, ds.agent(), node, api));
        GenericContainer<?> c = Containers.of(spec, false);
        c.start();
        DaemonSetToDocker.HttpProbe probe = DaemonSetToDocker.readinessProbe(ds.agent());
        AgentConfig flags = AgentFlags.parse(spec.args().toArray(String[]::new));
        return new AgentPod(spec, c, "http://" + nodeAddress + ":" + probe.port() + probe.path(),
                "http://" + nodeAddress + ":" + flags.metricsPort() + flags.metricsPath());
    }

    private static ContainerSpec translate(DaemonSetManifest ds, Container c, NodeContainer node, ClusterApi api) {
        return DaemonSetToDocker.container(ds, c, node.name(), node.containerName(), node::hostPath, api.tokenDir().toString(),
                api::pointArgsHere);
    }

    private static String indent(String who, String logs) {
        StringBuilder sb = new StringBuilder();
        logs.lines().forEach(l -> sb.append("  [").append(who).append("] ").append(l).append('\n'));
        return sb.toString();
    }

    public ContainerSpec spec() {
        return spec;
    }

    /** Whether the readiness probe answers 200 now. */
    public boolean ready() {
        return probeStatus() == 200;
    }

    /** The readiness probe's HTTP status now (503 before the first full sync), -1 when nothing answers. */
    public int probeStatus() {
        return get(probeUrl);
    }

    /** Waits until the readiness probe passes; fails with the agent's log when it does not in time. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        try {
            Await.until(spec.name() + " ready (" + probeUrl + ")", timeout, Duration.ofMillis(500), () -> {
                if (!running()) {
                    throw new AssertionError(spec.name() + " exited " + exitCode() + ":\n" + logs());
                }
                return ready();
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- " + spec.name() + " log ---\n" + logs(), e);
        }
    }

    /** The agent's Prometheus text, from the metrics port and path its arguments give. */
    public String metrics() {
        return body(metricsUrl);
    }

    /** The value of an unlabelled sample, e.g. {@code kube_dsr_ipvs_operations_total}. */
    public double sample(String name) {
        for (String line : metrics().lines().toList()) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no sample " + name + " in the metrics of " + spec.name());
    }

    public boolean running() {
        return Boolean.TRUE.equals(container.getCurrentContainerInfo().getState().getRunning());
    }

    /** The exit code once the container stopped, else null. */
    public Long exitCode() {
        var state = container.getCurrentContainerInfo().getState();
        return Boolean.TRUE.equals(state.getRunning()) ? null : state.getExitCodeLong();
    }

    public String logs() {
        return container.getLogs();
    }


    /**
     * Runs the launcher the manifest's command names (/opt/kube-dsr/bin/kube-dsr) with {@code args} in the agent's
     * container, as {@code kubectl exec <pod> -- kube-dsr status} does: in the container's namespaces, root
     * directory and environment. Entered with nsenter, not docker exec: in the VM, whose root is a chroot inside the
     * initramfs, runc starts containers by chroot, not pivot_root, so a process that joins a container's mount
     * namespace (docker exec) lands in the namespace's root, the initramfs, and finds no /opt/kube-dsr ("stat
     * /opt/kube-dsr/bin/kube-dsr: no such file or directory"). nsenter --root takes the agent's own root instead.
     * Unlike kubectl exec, the command keeps the test's capabilities.
     */
    public VmCommands.Result kubeDsr(String... args) {
        InspectContainerResponse info = container.getCurrentContainerInfo();
        List<String> command = new ArrayList<>(List.of("nsenter", "--target", Long.toString(info.getState().getPidLong()),
                "--mount", "--net", "--pid", "--ipc", "--uts", "--root", "--wd", "env", "-i"));
        command.addAll(List.of(info.getConfig().getEnv()));
        command.add(spec.entrypoint().get(0));
        command.addAll(List.of(args));
        return VmCommands.tryRun(command.toArray(String[]::new));
    }

    /** The container's memory use: memory.current of its cgroup (cgroup v2), in bytes. */
    public long memoryCurrent() {
        long pid = container.getCurrentContainerInfo().getState().getPidLong();
        try {
            String cgroup = Files.readAllLines(Path.of("/proc/" + pid + "/cgroup")).stream().filter(l -> l.startsWith("0::"))
                    .findFirst().orElseThrow().substring(3);
            return Long.parseLong(Files.readString(Path.of("/sys/fs/cgroup" + cgroup, "memory.current")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the agent as the kubelet deletes a pod: SIGTERM, then up to 30 s before SIGKILL; the container goes. A
     * running agent's blocked-thread count is read first: above zero, it is a finding that fails the VM scenario
     * ({@link BlockedThreadFindings}), with what the agent logged of it.
     */
    public void stop() {
        if (!stopped) {
            stopped = true;
            if (running()) {
                recordBlockedThreads();
            }
            // The agent's log with the engine's timestamps, for the scenario's output (a failure's diagnosis).
            io.kubedsr.e2e.vm.VmCommands.tryRun("docker", "logs", "-t", container.getContainerId());
            if (running()) {
                container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(30).exec();
            }
            container.stop();
        }
    }

    private void recordBlockedThreads() {
        double blocked;
        try {
            blocked = sample("kube_dsr_blocked_threads_total");
        } catch (RuntimeException e) {
            System.out.println(spec.name() + ": blocked-thread count not read (" + e.getMessage() + ")");
            return;
        }
        if (blocked > 0) {
            String reports = logs().lines().filter(l -> l.contains(" blocked for ")).collect(Collectors.joining("\n"));
            BlockedThreadFindings.record("agent container " + spec.name() + ": kube_dsr_blocked_threads_total " + (long) blocked
                    + "; what it logged of them:\n" + reports);
        }
    }

    @Override
    public void close() {
        stop();
    }

    static int get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String body(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError(url + " answered " + r.statusCode());
            }
            return r.body();
        } catch (IOException e) {
            throw new AssertionError(url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
