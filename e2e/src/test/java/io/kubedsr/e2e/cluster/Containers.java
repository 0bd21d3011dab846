package io.kubedsr.e2e.cluster;

import java.util.List;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.utility.DockerImageName;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;

/** Testcontainers' form of a {@link ContainerSpec}. */
final class Containers {
    private Containers() {
    }

    /**
     * A container created as {@code spec} says. {@code runsToCompletion}: start() returns once it has exited;
     * otherwise once it has started, even if it exited at once (the caller judges a pod's exit).
     */
    static GenericContainer<?> of(ContainerSpec spec, boolean runsToCompletion) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(spec.image()))
                .withEnv(spec.env())
                .withNetworkMode(spec.networkMode())
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withName(spec.name()).withEntrypoint(spec.entrypoint()).withCmd(spec.args());
                    HostConfig h = cmd.getHostConfig();
                    h.withPidMode(spec.pidMode())
                            .withCapAdd(spec.capAdd().stream().map(Capability::valueOf).toArray(Capability[]::new))
                            .withCapDrop(spec.capDrop().stream().map(Capability::valueOf).toArray(Capability[]::new))
                            .withPrivileged(spec.privileged())
                            .withSecurityOpts(spec.securityOpts())
                            .withBinds(spec.binds().stream().map(Bind::parse).toList());
                    if (spec.memoryBytes() != null) {
                        // No swap on a node, as the kubelet requires.
                        h.withMemory(spec.memoryBytes()).withMemorySwap(spec.memoryBytes());
                    }
                    if (spec.cpuShares() != null) {
                        h.withCpuShares(spec.cpuShares());
                    }
                });
        return c.withStartupCheckStrategy(runsToCompletion ? new Exited() : new Started());
    }

    /** Started once the container runs or has run. */
    private static final class Started extends StartupCheckStrategy {
        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            var state = getCurrentState(docker, containerId);
            return Boolean.TRUE.equals(state.getRunning()) || state.getStartedAt() != null && !state.getStartedAt().startsWith("0001")
                    ? StartupStatus.SUCCESSFUL : StartupStatus.NOT_YET_KNOWN;
        }
    }

    /** Started once the container has exited, whatever its exit code (the caller judges it). */
    private static final class Exited extends StartupCheckStrategy {
        Exited() {
            withTimeout(java.time.Duration.ofMinutes(3));
        }

        @Override
        public StartupStatus checkStartupState(DockerClient docker, String containerId) {
            var state = getCurrentState(docker, containerId);
            return Boolean.TRUE.equals(state.getRunning()) || state.getFinishedAt() == null || state.getFinishedAt().startsWith("0001")
                    ? StartupStatus.NOT_YET_KNOWN : StartupStatus.SUCCESSFUL;
        }
    }

}
