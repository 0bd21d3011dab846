package io.kubedsr.proxy.status;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubedsr.proxy.ApiAccess;

/**
 * Lists every Service once, to name virtual servers: from {@code --kubeconfig}, or in-cluster (the pod's
 * service account) when {@code KUBERNETES_SERVICE_HOST} is set. Any failure becomes a one-line note: status
 * still shows what the kernel holds.
 */
final class ApiServices {
    private ApiServices() {
    }

    /** The Services, or null with a note added when there is no API server or it cannot be read. */
    static List<Service> list(String kubeconfig, List<String> notes) {
        Config config;
        try {
            if (!kubeconfig.isEmpty()) {
                config = Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)));
            } else if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
                config = Config.autoConfigure(null);
            } else {
                notes.add("no --kubeconfig and not in a cluster: Services not named");
                return null;
            }
        } catch (Exception e) {
            notes.add("cannot read kubeconfig " + kubeconfig + ": " + oneLine(e) + ": Services not named");
            return null;
        }
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(10_000);
        config.setRequestRetryBackoffLimit(0);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            return new ApiAccess(client).listServices();
        } catch (RuntimeException e) {
            notes.add("API server " + config.getMasterUrl() + " not read (" + oneLine(e) + "): Services not named");
            return null;
        }
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.lines().findFirst().orElse("").trim();
    }
}
