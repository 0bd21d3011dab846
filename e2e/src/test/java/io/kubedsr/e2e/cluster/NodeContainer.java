package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.e2e.vm.VmCommands;

/**
 * A Kubernetes node as a container in the VM: its own network, PID, mount and UTS namespaces, PID 1 a sleep of
 * the base image. The scenario wires its network namespace (attached as a named namespace, {@link #net()}) to
 * a router like any lab node. What a node's hostPath volumes show lives in a directory of the VM:
 *
 * <pre>
 * /run/kube-dsr-nodes/NODE/netns   the node's /run/netns: a shared mount, so that a pod namespace bound here later
 *                                  appears in a container that mounted it with HostToContainer (rslave)
 * /run/kube-dsr-nodes/NODE/proc    a procfs of the node's PID namespace (the node's /proc)
 * </pre>
 *
 * Pods are made as a container runtime makes them ({@link #pod}).
 */
public final class NodeContainer implements AutoCloseable {
    static final Path ROOT = Path.of("/run/kube-dsr-nodes");

    private final String name;
    private final GenericContainer<?> container;
    private final long pid;
    private final TestNamespace net;
    private final Path dir;
    private final List<Pod> pods = new ArrayList<>();

    private NodeContainer(String name, GenericContainer<?> container, long pid, TestNamespace net, Path dir) {
        this.name = name;
        this.container = container;
        this.pid = pid;
        this.net = net;
        this.dir = dir;
    }

    /** Starts node {@code name} (container {@code kdsr-NAME}) from image {@code baseImage}. */
    public static NodeContainer start(String name, String baseImage) {
        Path dir = ROOT.resolve(name);
        try {
            Files.createDirectories(dir.resolve("netns"));
            Files.createDirectories(dir.resolve("proc"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String netns = dir.resolve("netns").toString();
        VmCommands.run("mount", "--bind", netns, netns);
        VmCommands.run("mount", "--make-shared", netns);
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(baseImage))
                .withNetworkMode("none")
                .withCommand("sleep", "infinity")
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withName(containerName(name)).withHostName(name);
                    cmd.getHostConfig().withBinds(com.github.dockerjava.api.model.Bind.parse(netns + ":/run/netns:rshared"));
                });
        c.start();
        long pid = c.getContainerInfo().getState().getPidLong();
        // The node's /proc: procfs takes the PID namespace of the process that mounts it.
        VmCommands.run("nsenter", "--target", Long.toString(pid), "--pid", "--", "mount", "-t", "proc", "proc",
                dir.resolve("proc").toString());
        TestNamespace net = TestNamespace.attach("kdsr-" + name, pid);
        net.exec("ip", "link", "set", "lo", "up");
        return new NodeContainer(name, c, pid, net, dir);
    }

    static String containerName(String node) {
        return "kdsr-" + node;
    }

    public String name() {
        return name;
    }

    /** The docker container's name, for {@code --network container:NAME}. */
    public String containerName() {
        return containerName(name);
    }

    /** PID 1 of the node, as the VM sees it. */
    public long pid() {
        return pid;
    }

    /** The node's network namespace. */
    public TestNamespace net() {
        return net;
    }

    /** The VM directory that plays the node's {@code hostPath}, or an error for a path the node does not provide. */
    public String hostPath(String hostPath) {
        return switch (hostPath) {
            case "/run/netns" -> dir.resolve("netns").toString();
            case "/proc" -> dir.resolve("proc").toString();
            case "/proc/sys" -> dir.resolve("proc/sys").toString();
            // The VM's kernel modules (the VM's own /lib/modules is the build host's).
            case "/lib/modules" -> Path.of(System.getenv("KUBE_DSR_VM_MODULES_ROOT"), "lib", "modules").toString();
            default -> throw new IllegalArgumentException("the DaemonSet mounts hostPath " + hostPath
                    + ", which the node emulation does not provide (NodeContainer.hostPath)");
        };
    }

    /**
     * A pod on this node with IP {@code ip}/24 behind the node's {@code 10.244.N.1} ({@code gateway}), serving
     * HTTP on {@code port}; {@code named} says whether the runtime also binds its namespace under the node's
     * /run/netns (containerd's way) or leaves only its processes to find it by (docker's way).
     */
    public Pod pod(String podName, String ip, String gateway, int port, boolean named) {
        Pod p = Pod.start(this, podName, ip, gateway, port, named);
        pods.add(p);
        return p;
    }

    Path netnsDir() {
        return dir.resolve("netns");
    }

    @Override
    public void close() {
        for (int i = pods.size() - 1; i >= 0; i--) {
            pods.get(i).close();
        }
        net.close();
        container.stop();
        VmCommands.tryRun("umount", dir.resolve("proc").toString());
        VmCommands.tryRun("umount", "-l", dir.resolve("netns").toString());
    }
}
