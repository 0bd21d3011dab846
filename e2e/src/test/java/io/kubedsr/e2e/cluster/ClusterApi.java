package io.kubedsr.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.RbacDispatcher;
import io.kubedsr.e2e.lab.RbacPolicy;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.netlink.TestNamespace;

/**
 * The stand-in API server of a container scenario: fabric8's mock server in CRUD mode behind RBAC
 * ({@link RbacDispatcher}) with {@code deploy/rbac.yaml}'s ClusterRoleBinding and the given ClusterRole (the
 * file's, or one with a rule taken out), on the nodes' LAN at {@value #ADDRESS} (a veth from the VM's own
 * namespace, where this JVM runs, to the router's bridge). {@link #tokenDir()} holds what the kubelet mounts into
 * a pod for its service account: the token and the namespace. It speaks plain HTTP: a first TLS handshake of a
 * cold JVM under the VM's emulation took longer than the agent's 10 s connection timeout, so TLS to the API
 * server is not part of what the scenarios check (nor the {@code ca.crt} a kubelet mounts).
 */
public final class ClusterApi implements AutoCloseable {
    public static final String ADDRESS = "192.168.1.250";
    private static final Path TOKEN_DIR = Path.of("/run/kube-dsr-lab/serviceaccount");

    private final MockApi api;
    private final RbacDispatcher rbac;
    private final Map<String, String> users;

    private ClusterApi(MockApi api, RbacDispatcher rbac, Map<String, String> users) {
        this.api = api;
        this.rbac = rbac;
        this.users = users;
    }

    private static RbacPolicy policy(Map<String, String> users, ClusterRole role) {
        return new RbacPolicy(users, MockApi.ADMIN_TOKEN, List.of(role), List.of(DaemonSetManifest.clusterRoleBinding()));
    }

    /** Applies {@code role} in place of the ClusterRole the server enforced so far. */
    public void apply(ClusterRole role) {
        rbac.replacePolicy(policy(users, role));
    }

    /** Starts the server for {@code ds}'s service account, linked to {@code router}'s bridge br0. */
    public static ClusterApi start(DaemonSetManifest ds, ClusterRole role, TestNamespace router, boolean secondLan) {
        VmCommands.run("ip", "link", "add", "kdsr-api", "type", "veth", "peer", "name", "to-api", "netns", router.name());
        VmCommands.run("ip", "addr", "add", ADDRESS + "/24", "dev", "kdsr-api");
        VmCommands.run("ip", "link", "set", "kdsr-api", "up");
        router.exec("ip", "link", "set", "to-api", "master", "br0", "up");
        if (secondLan) {
            VmCommands.run("ip", "route", "add", "192.168.2.0/24", "via", "192.168.1.254", "dev", "kdsr-api");
        }
        String token = "kube-dsr-" + UUID.randomUUID();
        try {
            Files.createDirectories(TOKEN_DIR);
            Files.writeString(TOKEN_DIR.resolve("token"), token);
            Files.writeString(TOKEN_DIR.resolve("namespace"), ds.daemonSet().getMetadata().getNamespace());
            Map<String, String> users = Map.of(token, ds.serviceAccountUser());
            RbacDispatcher rbac = new RbacDispatcher(policy(users, role));
            return new ClusterApi(MockApi.startWithRbac(rbac, InetAddress.getByName("0.0.0.0")), rbac, users);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The admin's client (allowed everything), for the scenario's own objects. */
    public KubernetesClient client() {
        return api.client();
    }

    /** The API server's address for the agent's --master. */
    public String url() {
        return "http://" + ADDRESS + ":" + api.port();
    }

    public Path tokenDir() {
        return TOKEN_DIR;
    }

    /** The agent's arguments with {@code --master} (marked EDIT in the manifests) pointing at this server. */
    public List<String> pointArgsHere(List<String> args) {
        List<String> out = new ArrayList<>();
        for (String a : args) {
            out.add(a.startsWith("--master=") ? "--master=" + url() : a);
        }
        return out;
    }

    /** The requests refused so far, as the API server words them. */
    public List<RbacPolicy.Decision> refusals() {
        return rbac.decisions().stream().filter(d -> !d.allowed()).toList();
    }

    public List<RbacPolicy.Decision> decisions() {
        return rbac.decisions();
    }

    @Override
    public void close() {
        api.close();
        VmCommands.tryRun("ip", "link", "del", "kdsr-api");
    }
}
