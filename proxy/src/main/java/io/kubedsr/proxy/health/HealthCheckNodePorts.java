package io.kubedsr.proxy.health;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.watch.ClusterModel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;

/**
 * kube-proxy's HealthCheckNodePort servers: one HTTP server per Service with {@code externalTrafficPolicy: Local}
 * and a {@code healthCheckNodePort}, on that port where NodePorts are served ({@link ListenAddresses}), so that an external load balancer sends
 * traffic only to nodes with a local endpoint. Any path answers 200 with
 * {@code {"service":{"namespace":..,"name":..},"localEndpoints":n,"serviceProxyHealthy":true}} when this node
 * has a ready endpoint of the Service and the proxy is healthy, 503 with the same body otherwise.
 * <p>
 * Servers follow the Services incrementally: {@link #sync} looks only at the Services a sync touched. A port
 * that cannot be opened (in use) is logged and reported as a Problem on the Service; it is tried again at
 * the next change of that Service or the next full resync. Called on the agent's context; the lock only covers the listen callbacks.
 */
public final class HealthCheckNodePorts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthCheckNodePorts.class);

    private final Vertx vertx;
    private List<String> hosts;
    private final String nodeName;
    private final BooleanSupplier proxyHealthy;
    private final Consumer<Problem> problems;
    private final Map<ServiceRef, Entry> servers = new HashMap<>();
    private final List<Future<?>> pending = new ArrayList<>();

    private static final class Entry {
        final int port;
        volatile int localEndpoints;
        List<Future<HttpServer>> servers = List.of();

        Entry(int port, int localEndpoints) {
            this.port = port;
            this.localEndpoints = localEndpoints;
        }
    }

    /** {@code hosts}: the addresses each server listens on ({@link ListenAddresses#healthCheckNodePorts}). */
    public HealthCheckNodePorts(Vertx vertx, List<String> hosts, String nodeName, BooleanSupplier proxyHealthy,
            Consumer<Problem> problems) {
        this.vertx = vertx;
        this.hosts = List.copyOf(hosts);
        this.nodeName = nodeName;
        this.proxyHealthy = proxyHealthy;
        this.problems = problems;
    }

    /** Listens on these addresses from now on: every open server moves (this node's addresses changed). */
    public synchronized void listenOn(List<String> newHosts) {
        if (newHosts.equals(hosts)) {
            return;
        }
        hosts = List.copyOf(newHosts);
        servers.forEach((ref, e) -> {
            stop(ref, e);
            start(ref, e);
        });
    }

    /** The addresses the servers listen on. */
    public synchronized List<String> hosts() {
        return hosts;
    }

    /** Brings the servers of these Services in line with the model (absent from it: deleted). */
    public synchronized void sync(Collection<ServiceRef> changed, ClusterModel model) {
        for (ServiceRef ref : changed) {
            ServiceView svc = model.service(ref).orElse(null);
            OptionalInt port = svc == null ? OptionalInt.empty() : LocalEndpoints.healthCheckNodePort(svc);
            update(ref, port, port.isPresent() ? LocalEndpoints.readyOn(nodeName, model.slices(ref)) : 0);
        }
    }

    /** Full resync: every Service of the model, and servers of Services no longer there are closed. */
    public synchronized void syncAll(ClusterModel model) {
        Set<ServiceRef> refs = new HashSet<>(model.services());
        refs.addAll(servers.keySet());
        sync(refs, model);
    }

    /** The ports served now, by Service (for tests and status). */
    public synchronized Map<ServiceRef, Integer> ports() {
        Map<ServiceRef, Integer> out = new HashMap<>();
        servers.forEach((ref, e) -> out.put(ref, e.port));
        return out;
    }

    private void update(ServiceRef ref, OptionalInt port, int localEndpoints) {
        Entry current = servers.get(ref);
        if (current != null && port.isPresent() && current.port == port.getAsInt()) {
            current.localEndpoints = localEndpoints;
            return;
        }
        if (current != null) {
            servers.remove(ref);
            stop(ref, current);
        }
        if (port.isPresent()) {
            Entry e = new Entry(port.getAsInt(), localEndpoints);
            servers.put(ref, e);
            start(ref, e);
        }
    }

    private void start(ServiceRef ref, Entry e) {
        List<Future<HttpServer>> started = new java.util.ArrayList<>();
        for (String host : hosts) {
            started.add(vertx.createHttpServer().requestHandler(req -> {
                int n = e.localEndpoints;
                boolean healthy = proxyHealthy.getAsBoolean();
                String body = new JsonObject()
                        .put("service", new JsonObject().put("namespace", ref.namespace()).put("name", ref.name()))
                        .put("localEndpoints", n).put("serviceProxyHealthy", healthy).encode();
                req.response().setStatusCode(n > 0 && healthy ? 200 : 503).putHeader("content-type", "application/json")
                        .putHeader("x-content-type-options", "nosniff").end(body);
            }).listen(e.port, host));
        }
        e.servers = started;
        List<String> on = hosts;
        Future.all(started).onSuccess(s -> LOG.info("health check node port open service={} port={} on={}", ref, e.port, on));
        Future.all(started).onFailure(err -> {
            LOG.warn("health check node port service={} port={} could not be opened: {}", ref, e.port, err.getMessage());
            problems.accept(new Problem(ref, "HealthCheckNodePortUnavailable", "healthCheckNodePort " + e.port
                    + " could not be opened on this node: " + err.getMessage()));
            synchronized (this) {
                if (servers.get(ref) == e) {
                    servers.remove(ref); // a later sync of the Service tries again
                    stop(ref, e); // the addresses that did open
                }
            }
        });
    }

    private void stop(ServiceRef ref, Entry e) {
        List<Future<Void>> closes = new java.util.ArrayList<>();
        for (Future<HttpServer> server : e.servers) {
            closes.add(server.transform(r -> r.succeeded() ? r.result().close() : Future.succeededFuture()));
        }
        Future<Void> closed = Future.join(closes).mapEmpty();
        closed.onSuccess(v -> LOG.info("health check node port closed service={} port={}", ref, e.port));
        pending.add(closed);
    }

    /** Completes when every open and close started so far has finished (either way): for tests. */
    public synchronized Future<Void> settled() {
        List<Future<?>> all = new ArrayList<>(pending);
        pending.clear();
        servers.values().forEach(e -> all.addAll(e.servers));
        return Future.join(all).transform(r -> Future.succeededFuture());
    }

    @Override
    public synchronized void close() {
        servers.forEach(this::stop);
        servers.clear();
    }
}
