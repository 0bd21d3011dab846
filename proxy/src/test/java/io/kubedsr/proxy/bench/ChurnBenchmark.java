package io.kubedsr.proxy.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncPhases;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.sync.ServiceSync;
import io.kubedsr.proxy.sync.SyncPolicy;
import io.kubedsr.proxy.sync.VertxTimers;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.InformerItemStore;
import io.kubedsr.proxy.watch.NodeModel;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/churn.sh}: network programming latency under
 * endpoint churn, through the agent's own loop. S Services x 10 endpoints are loaded (decoded from JSON, as the
 * informers' list decodes them) and fully synced; then an "API
 * server" thread changes R EndpointSlices per second (one endpoint added or removed, Services picked at random)
 * for T seconds. Each change goes the way an informer event goes: encoded to JSON, decoded by fabric8 on an
 * "informer" thread into the informer's item store, then on the agent's Vert.x context into the ClusterModel and
 * ServiceSync, whose SyncLoop coalesces and runs the syncs on the kernel thread (SyncEngine, real kernel, a
 * namespace of its own). The periodic full resync runs as in the agent ({@code --ipvs-sync-period}, 5 m by
 * default), so a run longer than the period measures the changes that wait for it too.
 * <p>
 * For every change: the time from the API object's change (the instant the API server thread made it) to the end of
 * the kernel write that carried it (kubeproxy_network_programming_duration_seconds' end), split into the informer
 * (decode and hop to the context), waiting (coalescing, and a running sync), the wait for the kernel thread,
 * planning and kernel work, the informer part split again (its thread's queue, decoding, the hop), and the total per
 * 30 s window of the churn (a tail only the first window has is the cold JVM). Per change also the IPVS operations,
 * netlink requests and CPU.
 */
public final class ChurnBenchmark {
    private static final int ENDPOINTS = 10;

    /** One change as the API server made it, then as the agent saw it. */
    private static final class Change {
        final ServiceRef ref;
        final long madeNanos;
        long decodeStartNanos;
        long decodedNanos;
        long seenNanos;

        Change(ServiceRef ref, long madeNanos) {
            this.ref = ref;
            this.madeNanos = madeNanos;
        }
    }

    /** A clock of System.nanoTime(): the agent's instants and the benchmark's compare to the nanosecond. */
    private static final class NanoClock extends Clock {
        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(0, System.nanoTime());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        static long nanos(Instant i) {
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        }
    }

    private ChurnBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 360;
        String period = System.getProperty("kubedsr.bench.period", "5m");

        InformerItemStore<Service> serviceStore = InformerItemStore.services();
        InformerItemStore<EndpointSlice> sliceStore = InformerItemStore.endpointSlices();
        ClusterModel model = new ClusterModel();
        KubernetesSerialization json = new KubernetesSerialization();
        // The initial list goes through JSON as the agent's informers decode it: the churn's first events then find the
        // decoder as warm as the agent's would be after its list (not its first use, which costs seconds under emulation).
        for (int i = 0; i < services; i++) {
            Service s = json.unmarshal(json.asJson(BenchObjects.service(i)), Service.class);
            serviceStore.put(serviceStore.getKey(s), s);
            model.putService(s);
            EndpointSlice e = json.unmarshal(json.asJson(BenchObjects.slice(i, ENDPOINTS)), EndpointSlice.class);
            sliceStore.put(sliceStore.getKey(e), e);
            model.putSlice(e);
        }
        AgentConfig config = AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16", "--ipvs-sync-period=" + period});
        NanoClock clock = new NanoClock();
        Vertx vertx = Vertx.vertx();
        Context context = vertx.getOrCreateContext();
        ExecutorService kernelThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "kube-dsr-kernel"));
        ExecutorService informerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "informer"));
        ScheduledExecutorService apiServer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "api-server"));
        try (TestNamespace ns = TestNamespace.create();
                IpvsClient ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
                Rtnetlink rtnl = ns.namespace().openRtnetlink()) {
            ns.exec("ip", "link", "add", "eth0", "type", "dummy");
            ns.exec("ip", "addr", "add", "192.168.1.1/24", "dev", "eth0");
            ns.exec("ip", "link", "set", "eth0", "up");
            Node self = new NodeBuilder().withNewMetadata().withName("node1").endMetadata().withNewStatus().addNewAddress()
                    .withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build();
            NodeModel nodes = new NodeModel("node1");
            SyncEngine[] engine = new SyncEngine[1];
            CompletableFuture.runAsync(() -> {
                engine[0] = new SyncEngine(config, new ServiceKernel(ipvs, rtnl, new NftTable(ns.namespace()), PodReceivers.NONE,
                        UdpConntrack.NONE), clock);
                engine[0].start(BenchObjects.node());
            }, kernelThread).join();
            SyncMetrics metrics = new SyncMetrics();
            HealthCheckNodePorts healthChecks = new HealthCheckNodePorts(vertx, List.of("127.0.0.1"), "node1", () -> true, p -> {
            });
            ServiceSync sync = new ServiceSync(model, nodes, () -> engine[0], clock, new VertxTimers(context), kernelThread,
                    SyncPolicy.withPeriod(config.ipvsSyncPeriod()), new ServiceSync.Observers(metrics,
                            new HealthServer(vertx, config.ipvsSyncPeriod(), clock), healthChecks, p -> {
                            }));

            // Attribution, on the context: the changes the agent has seen and no sync has taken yet, per Service.
            Map<ServiceRef, Deque<Change>> pending = new HashMap<>();
            // total, informer, waiting, kernel queue, planning, kernel work, then the informer's parts: its thread's queue,
            // decoding and storing, the hop to the context (ms); last the instant the change was made (ns)
            List<double[]> perChange = new ArrayList<>();
            List<ServiceSync.Ran> runs = new ArrayList<>();
            List<Integer> changesPerSync = new ArrayList<>();
            long[] fullDuring = new long[2]; // full syncs during the churn, changes that waited for one
            sync.onRan(ran -> {
                runs.add(ran);
                long taken = NanoClock.nanos(ran.takenAt());
                long written = NanoClock.nanos(ran.writtenAt());
                long started = written - ran.result().elapsed().toNanos();
                SyncPhases p = ran.result().phases();
                int carried = 0;
                for (ServiceRef ref : ran.changes().keySet()) {
                    Deque<Change> q = pending.get(ref);
                    while (q != null && !q.isEmpty() && q.peek().seenNanos <= taken) {
                        Change c = q.poll();
                        carried++;
                        perChange.add(new double[] {(written - c.madeNanos) / 1e6, (c.seenNanos - c.madeNanos) / 1e6,
                                (taken - c.seenNanos) / 1e6, (started - taken) / 1e6, p.planning() / 1e6, p.kernel() / 1e6,
                                (c.decodeStartNanos - c.madeNanos) / 1e6, (c.decodedNanos - c.decodeStartNanos) / 1e6,
                                (c.seenNanos - c.decodedNanos) / 1e6, c.madeNanos});
                        if (ran.kind() == SyncMetrics.Kind.FULL) {
                            fullDuring[1]++;
                        }
                    }
                }
                if (ran.kind() == SyncMetrics.Kind.FULL) {
                    fullDuring[0]++;
                } else if (ran.kind() == SyncMetrics.Kind.INCREMENTAL) {
                    changesPerSync.add(carried);
                }
            });
            context.runOnContext(v -> {
                nodes.put(self);
                sync.informersSynced();
            });
            long t0 = System.nanoTime();
            sync.firstSync().get(30, TimeUnit.MINUTES);
            System.out.printf(Locale.ROOT, "phase: %d services x %d endpoints loaded and fully synced in %.1f s%n", services, ENDPOINTS,
                    (System.nanoTime() - t0) / 1e9);
            CountDownLatch settled = new CountDownLatch(1);
            context.runOnContext(v -> {
                runs.clear();
                perChange.clear();
                changesPerSync.clear();
                fullDuring[0] = 0;
                fullDuring[1] = 0;
                settled.countDown();
            });
            settled.await();

            // The churn: R changes a second, each one endpoint more or less on a random Service.
            Random random = new Random(18);
            boolean[] extra = new boolean[services];
            long[] version = new long[services];
            AtomicLong made = new AtomicLong();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long[] apiCpu = new long[1];
            long requestsBefore = ipvs.connection().requestsSent() + rtnl.connection().requestsSent();
            Work w0 = Work.now();
            long churnStart = System.nanoTime();
            long total = (long) rate * seconds;
            CountDownLatch allMade = new CountDownLatch(1);
            ScheduledFuture<?> ticks = apiServer.scheduleAtFixedRate(() -> {
                if (made.get() >= total) {
                    if (allMade.getCount() > 0) {
                        apiCpu[0] = threads.getCurrentThreadCpuTime();
                        allMade.countDown();
                    }
                    return;
                }
                int i = random.nextInt(services);
                extra[i] = !extra[i];
                List<Integer> js = new ArrayList<>();
                for (int j = 0; j < ENDPOINTS; j++) {
                    js.add(j);
                }
                if (extra[i]) {
                    js.add(1000 + i % 250);
                }
                long now = System.nanoTime();
                String text = json.asJson(BenchObjects.slice(i, js, 10_000_000L + ++version[i], Instant.now().toString()));
                Change c = new Change(BenchObjects.ref(i), now);
                made.incrementAndGet();
                informerThread.execute(() -> {
                    // What fabric8's informer does with a watch event: decode, store, hand to the handler.
                    c.decodeStartNanos = System.nanoTime();
                    EndpointSlice e = json.unmarshal(text, EndpointSlice.class);
                    sliceStore.put(sliceStore.getKey(e), e);
                    c.decodedNanos = System.nanoTime();
                    context.runOnContext(v -> {
                        c.seenNanos = System.nanoTime();
                        pending.computeIfAbsent(c.ref, k -> new ArrayDeque<>()).add(c);
                        model.putSlice(e).forEach(sync::serviceChanged); // the agent's handler
                    });
                });
            }, 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
            allMade.await();
            ticks.cancel(false);
            // Until every change is programmed.
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            int done = 0;
            while (System.nanoTime() < deadline) {
                CompletableFuture<Integer> n = new CompletableFuture<>();
                context.runOnContext(v -> n.complete(perChange.size()));
                done = n.get();
                if (done >= total) {
                    break;
                }
                Thread.sleep(200);
            }
            double churnSeconds = (System.nanoTime() - churnStart) / 1e9;
            Work w1 = Work.now();
            long requests = ipvs.connection().requestsSent() + rtnl.connection().requestsSent() - requestsBefore;

            CompletableFuture<Void> report = new CompletableFuture<>();
            long apiThreadCpu = apiCpu[0];
            long doneCount = done;
            context.runOnContext(v -> {
                report(services, rate, seconds, period, doneCount, total, perChange, runs, changesPerSync, fullDuring, requests,
                        w1.minus(w0), apiThreadCpu, churnSeconds, churnStart);
                report.complete(null);
            });
            report.get();
            context.runOnContext(v -> sync.stop());
        } finally {
            apiServer.shutdownNow();
            informerThread.shutdownNow();
            kernelThread.shutdownNow();
            vertx.close();
        }
    }

    private static void report(int services, int rate, int seconds, String period, long done, long total, List<double[]> perChange,
            List<ServiceSync.Ran> runs, List<Integer> changesPerSync, long[] fullDuring, long requests, Work work, long apiThreadCpuNanos,
            double churnSeconds, long churnStart) {
        System.out.printf(Locale.ROOT, "RESULT churn: %d endpoint changes (%d a second for %d s) beside %dx%d, --ipvs-sync-period=%s;"
                + " %d programmed (%d made) in %.1f s%n", done, rate, seconds, services, ENDPOINTS, period, perChange.size(), total,
                churnSeconds);
        String[] names = {"total (API change to kernel written)", "informer (decode, to the context)", "waiting (coalescing, a running sync)",
            "kernel thread queue", "planning (the sync's)", "kernel work (the sync's)", "informer: its thread's queue",
            "informer: decoding and storing", "informer: hop to the agent's context"};
        for (int k = 0; k < names.length; k++) {
            printLatency(names[k], column(perChange, k));
        }
        // The total per window of the churn (by the instant the change was made): a tail that only the first window has is
        // the cold JVM (JIT compiling), one in every window is the steady state.
        int window = 30;
        for (int from = 0; from < seconds; from += window) {
            long lo = churnStart + from * 1_000_000_000L;
            long hi = lo + window * 1_000_000_000L;
            List<double[]> in = perChange.stream().filter(c -> c[9] >= lo && c[9] < hi).toList();
            printLatency(String.format(Locale.ROOT, "total, changes made in %d-%d s", from, Math.min(seconds, from + window)), column(in, 0));
        }
        long incremental = runs.stream().filter(r -> r.kind() == SyncMetrics.Kind.INCREMENTAL).count();
        long ipvsOps = 0;
        long otherWrites = 0;
        for (ServiceSync.Ran r : runs) {
            if (r.kind() == SyncMetrics.Kind.INCREMENTAL) {
                ipvsOps += r.result().ipvsOperations();
                otherWrites += r.result().addressOperations();
            }
        }
        long changedServices = runs.stream().filter(r -> r.kind() == SyncMetrics.Kind.INCREMENTAL).mapToLong(r -> r.changes().size()).sum();
        System.out.printf(Locale.ROOT, "RESULT syncs: %d incremental carrying %.2f changes each on average (max %d), %d full (%d changes"
                + " waited for one)%n", incremental, changesPerSync.stream().mapToInt(Integer::intValue).average().orElse(0),
                changesPerSync.stream().mapToInt(Integer::intValue).max().orElse(0), fullDuring[0], fullDuring[1]);
        // Requests are counted on the connections over the whole churn: a full sync or a periodic verification during it
        // is in the count (the line above says how many full syncs ran).
        System.out.printf(Locale.ROOT, "RESULT per change: %.3f IPVS operations, %.3f netlink requests (%d requests in all over the"
                + " churn for %d changes; the incremental syncs changed %d Services, each one virtual server: %.3f requests per affected"
                + " virtual server); other kernel writes %d%n", ipvsOps / (double) done, requests / (double) done, requests, done,
                changedServices, requests / (double) changedServices, otherWrites);
        double cpu = work.cpuSeconds() - apiThreadCpuNanos / 1e9;
        System.out.printf(Locale.ROOT, "RESULT CPU: %.2f s of the agent's threads over the churn (JVM %s, less the API server thread's"
                + " %.2f s): %.2f ms per change; %s%n", cpu, work.cpu(), apiThreadCpuNanos / 1e9, cpu * 1e3 / done, work.jvm());
        System.out.printf(Locale.ROOT, "RESULT memory after the churn (Vert.x, fabric8's JSON decoding and the sync loop loaded): RSS %d MB,"
                + " peak %d MB; heap committed %.1f MB; %s%n", Memory.rssKilobytes() / 1024, Memory.peakRssKilobytes() / 1024,
                Memory.heapCommitted() / 1e6, Memory.nonHeap());
    }

    private static double[] column(List<double[]> rows, int k) {
        double[] values = new double[rows.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = rows.get(i)[k];
        }
        Arrays.sort(values);
        return values;
    }

    private static void printLatency(String name, double[] sorted) {
        System.out.printf(Locale.ROOT, "RESULT latency %s: %d changes, p50 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms%n", name,
                sorted.length, percentile(sorted, 50), percentile(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1],
                mean(sorted));
    }

    private static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return values.length == 0 ? 0 : sum / values.length;
    }
}
