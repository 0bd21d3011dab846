package io.kubedsr.e2e.cluster;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * What a kubelet does with one container of a DaemonSet's pod on a node, in docker's terms: the command and
 * arguments, the environment (fieldRef {@code spec.nodeName} resolved, the API server's Service variables the
 * kubelet adds), capabilities and no-new-privileges, the memory limit and the CPU request's shares, the
 * hostPath volumes (from what the node provides, with their propagation), the service account token, and the
 * node's network and PID namespaces for {@code hostNetwork} and {@code hostPID}. Anything in the manifest it
 * cannot translate is an error, so that a manifest change the scenarios would not run as written is noticed.
 */
public final class DaemonSetToDocker {
    /** Where the kubelet mounts the service account's token, CA and namespace. */
    public static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

    /** The node's side of hostPath volumes: the directory on the VM that plays the node's path. */
    public interface HostPaths {
        String resolve(String hostPath);
    }

    private DaemonSetToDocker() {
    }

    /**
     * The docker form of container {@code c} of {@code ds}'s pod on node {@code nodeName}, whose namespaces are
     * those of docker container {@code nodeContainer}. {@code args} may rewrite the arguments (the lines a user
     * edits, such as --master); {@code tokenDir} holds the service account token the kubelet would mount.
     */
    public static ContainerSpec container(DaemonSetManifest ds, Container c, String nodeName, String nodeContainer,
            HostPaths host, String tokenDir, UnaryOperator<List<String>> args) {
        PodSpec pod = ds.pod();
        Map<String, String> env = new LinkedHashMap<>();
        // Every container of a pod gets the kubernetes Service's address (the API server behind the cluster IP).
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("KUBERNETES_SERVICE_PORT", "443");
        for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
            env.put(e.getName(), value(e, nodeName));
        }

        SecurityContext sc = c.getSecurityContext();
        List<String> add = new ArrayList<>();
        List<String> drop = new ArrayList<>();
        List<String> securityOpts = new ArrayList<>();
        boolean privileged = false;
        if (sc != null) {
            privileged = Boolean.TRUE.equals(sc.getPrivileged());
            if (sc.getCapabilities() != null) {
                add.addAll(nullToEmpty(sc.getCapabilities().getAdd()));
                drop.addAll(nullToEmpty(sc.getCapabilities().getDrop()));
            }
            if (Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                securityOpts.add("no-new-privileges");
            }
        }
        var profile = sc != null && sc.getSeccompProfile() != null ? sc.getSeccompProfile()
                : pod.getSecurityContext() != null ? pod.getSecurityContext().getSeccompProfile() : null;
        String seccomp = profile == null ? "Unconfined" : profile.getType();
        switch (seccomp) {
            // The kubelet runs a container without a seccompProfile unconfined (SeccompDefault off, the default).
            case "Unconfined" -> securityOpts.add("seccomp=unconfined");
            // Docker's default profile, which containerd's runtime default is derived from.
            case "RuntimeDefault" -> { }
            default -> throw new IllegalArgumentException(c.getName() + ": seccompProfile " + seccomp + " not emulated");
        }

        Long memory = null;
        Integer shares = null;
        if (c.getResources() != null) {
            Map<String, Quantity> limits = c.getResources().getLimits() == null ? Map.of() : c.getResources().getLimits();
            for (String k : limits.keySet()) {
                if (!k.equals("memory")) {
                    throw new IllegalArgumentException(c.getName() + ": limit " + k + " not emulated");
                }
            }
            if (limits.containsKey("memory")) {
                memory = Quantity.getAmountInBytes(limits.get("memory")).longValueExact();
            }
            Map<String, Quantity> requests = c.getResources().getRequests() == null ? Map.of() : c.getResources().getRequests();
            if (requests.containsKey("cpu")) {
                BigDecimal cores = Quantity.getAmountInBytes(requests.get("cpu"));
                shares = Math.max(2, cores.multiply(BigDecimal.valueOf(1024)).intValue());
            }
        }

        List<String> binds = new ArrayList<>();
        for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
            Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(c.getName() + ": no volume " + m.getName()));
            if (v.getHostPath() == null) {
                throw new IllegalArgumentException(c.getName() + ": volume " + v.getName() + " is not a hostPath: not emulated");
            }
            if (m.getSubPath() != null) {
                throw new IllegalArgumentException(c.getName() + ": subPath not emulated");
            }
            List<String> options = new ArrayList<>();
            if (Boolean.TRUE.equals(m.getReadOnly())) {
                options.add("ro");
            }
            String propagation = m.getMountPropagation();
            if ("HostToContainer".equals(propagation)) {
                options.add("rslave");
            } else if ("Bidirectional".equals(propagation)) {
                options.add("rshared");
            } else if (propagation != null && !propagation.equals("None")) {
                throw new IllegalArgumentException(c.getName() + ": mountPropagation " + propagation);
            }
            binds.add(host.resolve(v.getHostPath().getPath()) + ":" + m.getMountPath() + (options.isEmpty() ? "" : ":" + String.join(",", options)));
        }
        if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())) {
            binds.add(tokenDir + ":" + SERVICE_ACCOUNT_DIR + ":ro");
        }

        if (!Boolean.TRUE.equals(pod.getHostNetwork()) || !Boolean.TRUE.equals(pod.getHostPID())) {
            throw new IllegalArgumentException("deploy/" + ds.file() + ": only hostNetwork and hostPID pods are emulated");
        }
        List<String> command = nullToEmpty(c.getCommand());
        return new ContainerSpec(nodeName + "-" + c.getName(), c.getImage(), command, args.apply(nullToEmpty(c.getArgs())),
                env, add, drop, privileged, securityOpts, memory, shares, binds, "container:" + nodeContainer,
                "container:" + nodeContainer);
    }

    /** The container's probe of {@code kind} (startup, readiness, liveness): its HTTP path and port. */
    public record HttpProbe(String path, int port) {
    }

    public static HttpProbe readinessProbe(Container c) {
        var probe = c.getReadinessProbe();
        if (probe == null || probe.getHttpGet() == null) {
            throw new IllegalArgumentException(c.getName() + ": no httpGet readiness probe");
        }
        if (probe.getHttpGet().getScheme() != null && !probe.getHttpGet().getScheme().equals("HTTP")) {
            throw new IllegalArgumentException(c.getName() + ": probe scheme " + probe.getHttpGet().getScheme());
        }
        return new HttpProbe(probe.getHttpGet().getPath(), probe.getHttpGet().getPort().getIntVal());
    }

    private static String value(EnvVar e, String nodeName) {
        if (e.getValueFrom() == null) {
            return e.getValue() == null ? "" : e.getValue();
        }
        var field = e.getValueFrom().getFieldRef();
        if (field != null && field.getFieldPath().equals("spec.nodeName")) {
            return nodeName;
        }
        throw new IllegalArgumentException("env " + e.getName() + ": " + (field != null ? "fieldRef " + field.getFieldPath() : "valueFrom")
                + " is not emulated (only fieldRef spec.nodeName)");
    }

    private static List<String> nullToEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }
}
