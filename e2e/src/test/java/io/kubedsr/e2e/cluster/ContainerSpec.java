package io.kubedsr.e2e.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One container of a pod as docker runs it: what {@link DaemonSetToDocker} makes of a Kubernetes container,
 * in docker's terms ({@code docker run} options), so that the translation is checked apart from running it.
 */
public record ContainerSpec(String name, String image, List<String> entrypoint, List<String> args, Map<String, String> env,
        List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpts, Long memoryBytes,
        Integer cpuShares, List<String> binds, String networkMode, String pidMode) {

    public ContainerSpec {
        entrypoint = List.copyOf(entrypoint);
        args = List.copyOf(args);
        env = Map.copyOf(env);
        capAdd = List.copyOf(capAdd);
        capDrop = List.copyOf(capDrop);
        securityOpts = List.copyOf(securityOpts);
        binds = List.copyOf(binds);
    }

    /** The same container granted one capability fewer (which it must have been granted). */
    public ContainerSpec withoutCapability(String capability) {
        if (!capAdd.contains(capability)) {
            throw new IllegalArgumentException(capability + " is not granted: " + capAdd);
        }
        List<String> fewer = new ArrayList<>(capAdd);
        fewer.remove(capability);
        return new ContainerSpec(name, image, entrypoint, args, env, fewer, capDrop, privileged, securityOpts, memoryBytes,
                cpuShares, binds, networkMode, pidMode);
    }

    /** The same container under another name (a second pod of a rolling update). */
    public ContainerSpec named(String newName) {
        return new ContainerSpec(newName, image, entrypoint, args, env, capAdd, capDrop, privileged, securityOpts, memoryBytes,
                cpuShares, binds, networkMode, pidMode);
    }
}
