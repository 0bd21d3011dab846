package io.kubedsr.e2e.cluster;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.MockApi;
import io.kubedsr.e2e.lab.RbacDispatcher;
import io.kubedsr.e2e.lab.RbacPolicy;
import io.kubedsr.e2e.lab.TestCertificates;
import io.kubedsr.e2e.lab.TlsFront;
import io.kubedsr.e2e.vm.VmCommands;
import io.kubedsr.netlink.TestNamespace;

/**
 * The stand-in API server of a container scenario: fabric8's mock server in CRUD mode behind RBAC
 * ({@link RbacDispatcher}) with {@code deploy/rbac.yaml}'s ClusterRoleBinding and the given ClusterRole (the
 * file's, or one with a rule taken out), served over HTTPS on the nodes' LAN at {@value #ADDRESS}:{@value #PORT}
 * (a veth from the VM's own namespace, where this JVM runs, to the router's bridge) with a certificate of a cluster
 * CA. {@link #tokenDir()} holds what the kubelet mounts into a pod for its service account: token, ca.crt,
 * namespace. Like a cluster, the API holds the {@code kubernetes} Service (10.96.0.1:443) with the server as its
 * endpoint, which in-cluster clients ({@code kube-dsr status} in the agent's pod) reach through kube-dsr.
 */
public final class ClusterApi implements AutoCloseable {
    public static final String ADDRESS = "192.168.1.250";
    public static final int PORT = 6443;
    private static final Path TOKEN_DIR = Path.of("/run/kube-dsr-lab/serviceaccount");

    private final MockApi api;
    private final RbacDispatcher rbac;
    private final TlsFront tls;
    private final Map<String, String> users;

    private ClusterApi(MockApi api, RbacDispatcher rbac, TlsFront tls, Map<String, String> users) {
        this.api = api;
        this.rbac = rbac;
        this.tls = tls;
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
        TestCertificates certs = TestCertificates.create(List.of(ADDRESS, "10.96.0.1"),
                List.of("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"));
        try {
            Files.createDirectories(TOKEN_DIR);
            Files.writeString(TOKEN_DIR.resolve("token"), token);
            Files.writeString(TOKEN_DIR.resolve("ca.crt"), certs.caPem());
            Files.writeString(TOKEN_DIR.resolve("namespace"), ds.daemonSet().getMetadata().getNamespace());
            Map<String, String> users = Map.of(token, ds.serviceAccountUser());
            RbacDispatcher rbac = new RbacDispatcher(policy(users, role));
            MockApi api = MockApi.startWithRbac(rbac, InetAddress.getLoopbackAddress());
            TlsFront front = TlsFront.start(api.vertx(), certs, ADDRESS, PORT, api.port());
            warmUp(certs);
            KubernetesClient k = api.client();
            k.services().inNamespace("default").resource(new ServiceBuilder().withNewMetadata().withName("kubernetes")
                    .withNamespace("default").endMetadata().withNewSpec().withType("ClusterIP").withClusterIP("10.96.0.1")
                    .withClusterIPs("10.96.0.1").addNewPort().withName("https").withProtocol("TCP").withPort(443)
                    .withNewTargetPort(PORT).endPort().endSpec().build()).create();
            k.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder().withNewMetadata()
                    .withName("kubernetes").withNamespace("default").withLabels(Map.of("kubernetes.io/service-name", "kubernetes"))
                    .endMetadata().withAddressType("IPv4").addNewEndpoint().withAddresses(ADDRESS).withNewConditions().withReady(true)
                    .endConditions().endEndpoint().addNewPort().withName("https").withProtocol("TCP").withPort(PORT).endPort().build())
                    .create();
            return new ClusterApi(api, rbac, front, users);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One TLS handshake with the server before any agent connects, from this JVM: the first one of a cold JVM
     * (the JDK's TLS and elliptic-curve classes loaded, their code compiled) takes seconds under the VM's emulation,
     * and a real API server has long been warm when a node's agent starts. The agents' own first handshake stays
     * cold, as on a real node.
     */
    private static void warmUp(TestCertificates certs) {
        long t = System.nanoTime();
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(certs.caPem().getBytes(StandardCharsets.US_ASCII))));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(60)).build();
            int status = http.send(HttpRequest.newBuilder(URI.create("https://" + ADDRESS + ":" + PORT + "/version"))
                    .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            System.out.printf(Locale.ROOT, "ClusterApi: first TLS handshake and request (HTTP %d) in %.1f s%n", status,
                    (System.nanoTime() - t) / 1e9);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the API stand-in's TLS warm-up failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The admin's client (allowed everything), for the scenario's own objects. */
    public KubernetesClient client() {
        return api.client();
    }

    /** The API server's address for the agent's --master. */
    public String url() {
        return "https://" + ADDRESS + ":" + PORT;
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
        tls.close();
        api.close();
        VmCommands.tryRun("ip", "link", "del", "kdsr-api");
    }
}
