package io.kubedsr.e2e.faults;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubedsr.e2e.lab.ApiProxy;
import io.kubedsr.e2e.lab.StandInApi;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.proxy.TestObjects;

/**
 * Endpoints churn beside a big cluster ({@link BigCluster}) for a while, on the real kernel, with the agent as a node
 * runs it ({@link NodeAgent}, the DaemonSets' JVM options, graceful termination on): at {@code rate} updates a second
 * one Service's EndpointSlice swaps an endpoint (a new pod IP from a pool), now and then a DSR Service's local endpoint
 * moves to the other pod (its receiver moves with it), and every minute a Service's annotation flips between a good
 * and a bad value (the same problem found again and again, its Event posted once). Every {@code sample} the agent's resident memory, its GC
 * work (from its own GC log), its sync counters and every cache's size ({@code kube_dsr_cache_entries}) are read. At
 * the end every churned object is put back as it was at the start and, once the agent has settled, every cache must
 * hold what it held at the start.
 */
final class ChurnSoak {
    /** One reading of the agent. */
    record Sample(double minutes, double residentMb, double heapAfterGcMb, int gcs, double gcMillis, long syncErrors, long partialSyncs,
            long ipvsOperations, Map<String, Long> caches, double scrapeSeconds) {
    }

    /** The readings, and the caches at the start and after the churn was undone. */
    record Outcome(List<Sample> samples, Map<String, Long> cachesAtStart, Map<String, Long> cachesAtEnd, long updates) {
        Sample last() {
            return samples.get(samples.size() - 1);
        }
    }

    private static final Pattern GC = Pattern.compile("GC\\(\\d+\\) (Pause \\S+).*?(\\d+)M->(\\d+)M\\(\\d+M\\) ([0-9.]+)ms");
    private static final Pattern CACHE = Pattern.compile("(?m)^kube_dsr_cache_entries\\{cache=\"([^\"]+)\"\\} (\\S+)$");

    private final BigCluster.Size size;
    private final Duration duration;
    private final double rate;
    private final Duration sampleEvery;
    private final List<String> extraFlags;
    private final PrintStream out;
    private final Random random = new Random(42);

    ChurnSoak(BigCluster.Size size, Duration duration, double rate, Duration sampleEvery, List<String> extraFlags, PrintStream out) {
        this.size = size;
        this.duration = duration;
        this.rate = rate;
        this.sampleEvery = sampleEvery;
        this.extraFlags = extraFlags;
        this.out = out;
    }

    /** Service {@code i}'s slice with its last endpoint the {@code generation}'th of a pool of 64 pod IPs. */
    static EndpointSlice churned(int i, int endpoints, int generation) {
        EndpointSlice s = BigCluster.slice(i, endpoints, 0);
        List<Endpoint> eps = new ArrayList<>(s.getEndpoints().subList(0, endpoints - 1));
        eps.add(new EndpointBuilder().withAddresses("10.246." + (generation % 64) + "." + (1 + i % 250)).withNodeName("node2")
                .withNewConditions().withReady(true).endConditions().build());
        return new EndpointSliceBuilder(s).withEndpoints(eps).build();
    }

    private static Service flapping(boolean bad) {
        Service s = TestObjects.service("flapping", "10.100.1.1", 80, null);
        s.getMetadata().setNamespace("bench");
        return TestObjects.annotated(s, Map.of("kube-router.io/service.scheduler", bad ? "fastest" : "rr"));
    }

    Outcome run() throws Exception {
        Duration limit = Duration.ofSeconds(120 + size.services() / 25);
        Path gcLog = Files.createTempFile("kube-dsr-gc", ".log");
        List<String> flags = new ArrayList<>(BigCluster.FLAGS);
        flags.add("--ipvs-graceful-termination");
        flags.addAll(extraFlags);
        try (StandInApi api = StandInApi.withHistoryFrom(0); TestNamespace node = BigCluster.node()) {
            List<TestNamespace> pods = BigCluster.pods(size.dsrPods());
            try (ApiProxy proxy = ApiProxy.open(node.namespace(), api.address())) {
                KubernetesClient client = api.client();
                BigCluster.populate(client, size);
                client.resource(flapping(true)).create();
                try (NodeAgent agent = NodeAgent.start(node, BigCluster.NODE, proxy.url(), flags, "-Xlog:gc:file=" + gcLog)) {
                    agent.awaitConverged(limit);
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (caches(agent).getOrDefault("events_posted", 0L) == 0 && System.nanoTime() < deadline) {
                        Thread.sleep(500); // the flapping Service's Event, posted off the event loop
                    }
                    Thread.sleep(2000);
                    Map<String, Long> atStart = caches(agent);
                    out.printf(Locale.ROOT, "soak: %d services x %d endpoints, %d DSR pods, %d peers; %.1f updates/s for %d s;"
                            + " caches at the start %s%n", size.services(), size.endpoints(), size.dsrPods(), size.peers(), rate,
                            duration.toSeconds(), atStart);
                    List<Sample> samples = new ArrayList<>();
                    long updates = churn(client, agent, gcLog, samples);
                    undo(client);
                    Thread.sleep(5000); // the last incremental syncs, and the graceful-termination follow-ups
                    Map<String, Long> atEnd = caches(agent);
                    samples.add(sample(agent, gcLog, samples.isEmpty() ? 0 : samples.get(samples.size() - 1).minutes()));
                    out.printf(Locale.ROOT, "soak: churn undone; caches at the end %s%n", atEnd);
                    return new Outcome(samples, atStart, atEnd, updates);
                }
            } finally {
                pods.forEach(TestNamespace::close);
            }
        }
    }

    private int dsrMoves;
    /** The flapping Service starts with its bad annotation: its problem is known (and its Event posted) from the start. */
    private boolean flappingBad = true;

    private long churn(KubernetesClient client, NodeAgent agent, Path gcLog, List<Sample> samples) throws Exception {
        int[] gen = new int[size.services()];
        long start = System.nanoTime();
        long nextSample = start;
        long nextFlap = start + Duration.ofSeconds(60).toNanos();
        long updates = 0;
        long periodNanos = (long) (1e9 / rate);
        long next = start;
        while (System.nanoTime() - start < duration.toNanos()) {
            long now = System.nanoTime();
            if (now >= nextSample) {
                Sample s = sample(agent, gcLog, (now - start) / 60e9);
                samples.add(s);
                print(s, updates);
                nextSample += sampleEvery.toNanos();
            }
            if (now >= nextFlap) {
                flappingBad = !flappingBad;
                client.resource(flapping(flappingBad)).update();
                nextFlap += Duration.ofSeconds(60).toNanos();
            }
            if (random.nextInt(10) == 0) {
                dsrMoves++;
                int k = random.nextInt(size.dsrServices());
                int pod = (k / 2 + dsrMoves) % size.dsrPods();
                client.resource(BigCluster.dsrSlice(k, pod)).update();
            } else {
                int i = random.nextInt(size.services());
                gen[i]++;
                client.resource(churned(i, size.endpoints(), gen[i])).update();
            }
            updates++;
            next += periodNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
        }
        churnedGenerations = gen;
        return updates;
    }

    private int[] churnedGenerations;

    /** Every churned object back as it was at the start. */
    private void undo(KubernetesClient client) {
        for (int i = 0; i < churnedGenerations.length; i++) {
            if (churnedGenerations[i] != 0) {
                client.resource(BigCluster.slice(i, size.endpoints(), 0)).update();
            }
        }
        for (int k = 0; k < size.dsrServices(); k++) {
            client.resource(BigCluster.dsrSlice(k, k / 2)).update();
        }
        if (!flappingBad) {
            client.resource(flapping(true)).update();
        }
    }

    /** One sample, with the updates sent so far (whether a stall of the syncs is the agent's or the stand-in API's). */
    private void print(Sample s, long updatesSent) {
        out.printf(Locale.ROOT, "t=%5.1f min  updates sent %6d  RSS %6.1f MB  heap after GC %5.1f MB  GCs %4d (%7.1f ms)  sync errors %d  partial syncs %6d"
                + "  IPVS ops %7d  metrics scrape %.1f s  caches %s%n", s.minutes(), updatesSent, s.residentMb(), s.heapAfterGcMb(), s.gcs(), s.gcMillis(),
                s.syncErrors(), s.partialSyncs(), s.ipvsOperations(), s.scrapeSeconds(), s.caches());
    }

    private static Sample sample(NodeAgent agent, Path gcLog, double minutes) throws IOException {
        long scrapeStart = System.nanoTime();
        String metrics = agent.metrics();
        double scrapeSeconds = (System.nanoTime() - scrapeStart) / 1e9;
        int gcs = 0;
        double gcMillis = 0;
        double heapAfter = 0;
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC.matcher(line);
            if (m.find()) {
                gcs++;
                gcMillis += Double.parseDouble(m.group(4));
                heapAfter = Double.parseDouble(m.group(3));
            }
        }
        return new Sample(minutes, agent.residentKilobytes() / 1024.0, heapAfter, gcs, gcMillis, counter(metrics, "kube_dsr_sync_errors_total"),
                counter(metrics, "kubeproxy_sync_partial_proxy_rules_duration_seconds_count"), counter(metrics, "kube_dsr_ipvs_operations_total"),
                caches(metrics), scrapeSeconds);
    }

    private static Map<String, Long> caches(NodeAgent agent) {
        return caches(agent.metrics());
    }

    static Map<String, Long> caches(String metrics) {
        Map<String, Long> out = new TreeMap<>();
        Matcher m = CACHE.matcher(metrics);
        while (m.find()) {
            out.put(m.group(1), (long) Double.parseDouble(m.group(2)));
        }
        return out;
    }

    static long counter(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(metrics);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in the metrics");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** Least-squares slope of y over x. */
    static double slope(List<Double> x, List<Double> y) {
        int n = x.size();
        double mx = x.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double my = y.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            num += (x.get(i) - mx) * (y.get(i) - my);
            den += (x.get(i) - mx) * (x.get(i) - mx);
        }
        return den == 0 ? 0 : num / den;
    }
}
