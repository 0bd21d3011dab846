package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.e2e.vm.VmEnvironment;

/** A DaemonSet file of deploy/ as written, and the objects of deploy/rbac.yaml: what the scenarios run. */
public record DaemonSetManifest(String file, DaemonSet daemonSet) {
    /** The agent's container name in every variant. */
    public static final String AGENT = "kube-dsr";

    /** The repository's deploy/ directory (next to the e2e module). */
    public static Path deployDir() {
        return VmEnvironment.moduleDir().resolve("../deploy").normalize();
    }

    /** Reads {@code deploy/<file>}, which must hold one DaemonSet. */
    public static DaemonSetManifest read(String file) {
        List<DaemonSet> sets = load(file).stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast).toList();
        if (sets.size() != 1) {
            throw new IllegalArgumentException("deploy/" + file + " holds " + sets.size() + " DaemonSets, not one");
        }
        return new DaemonSetManifest(file, sets.get(0));
    }

    /** Every object of {@code deploy/<file>}. */
    public static List<HasMetadata> load(String file) {
        try (InputStream in = Files.newInputStream(deployDir().resolve(file))) {
            Object parsed = new KubernetesSerialization().unmarshal(in);
            List<?> objects = parsed instanceof List<?> l ? l : List.of(parsed);
            return objects.stream().map(HasMetadata.class::cast).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** deploy/rbac.yaml's ClusterRole. */
    public static ClusterRole clusterRole() {
        return load("rbac.yaml").stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast).findFirst().orElseThrow();
    }

    /** deploy/rbac.yaml's ClusterRole with {@code verb} taken out of the rules on {@code resource} (a role edited wrongly). */
    public static ClusterRole clusterRoleWithout(String resource, String verb) {
        ClusterRole role = clusterRole();
        List<PolicyRule> rules = new ArrayList<>();
        boolean found = false;
        for (PolicyRule r : role.getRules()) {
            if (r.getResources().contains(resource) && r.getVerbs().contains(verb)) {
                if (r.getResources().size() != 1) {
                    throw new IllegalArgumentException("the rule on " + resource + " covers " + r.getResources());
                }
                r = new PolicyRuleBuilder(r).withVerbs(r.getVerbs().stream().filter(v -> !v.equals(verb)).toList()).build();
                found = true;
            }
            rules.add(r);
        }
        if (!found) {
            throw new IllegalArgumentException("deploy/rbac.yaml grants no " + verb + " on " + resource);
        }
        return new ClusterRoleBuilder(role).withRules(rules).build();
    }

    /** deploy/rbac.yaml's ClusterRoleBinding. */
    public static ClusterRoleBinding clusterRoleBinding() {
        return load("rbac.yaml").stream().filter(ClusterRoleBinding.class::isInstance).map(ClusterRoleBinding.class::cast)
                .findFirst().orElseThrow();
    }

    public PodSpec pod() {
        return daemonSet.getSpec().getTemplate().getSpec();
    }

    public Container agent() {
        return pod().getContainers().stream().filter(c -> c.getName().equals(AGENT)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("deploy/" + file + " has no container " + AGENT));
    }

    /** The user the pod's service account token authenticates as. */
    public String serviceAccountUser() {
        return "system:serviceaccount:" + daemonSet.getMetadata().getNamespace() + ":" + pod().getServiceAccountName();
    }
}
