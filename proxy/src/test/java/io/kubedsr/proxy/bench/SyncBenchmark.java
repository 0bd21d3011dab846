package io.kubedsr.proxy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.nft.Nftables;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/sync.sh}: a full sync of S ClusterIP
 * Services x 10 endpoints from API objects (fabric8 Service and EndpointSlice objects) to the kernel (IPVS,
 * the VIPs on kube-dummy-if, the nftables table), the same IPVS table through {@code ipvsadm -R}, an unchanged
 * periodic resync and a restarted engine adopting the state (time, writes), one endpoint added beside them
 * (operations and time), and the JVM's resident memory with the model loaded.
 */
public final class SyncBenchmark {
    /** -Dkubedsr.bench.nft=false: the sync measured without nftables (nothing rendered is applied). */
    private static final Nftables WITHOUT_NFT = new Nftables() {
        @Override
        public boolean apply(String script) {
            return false;
        }

        @Override
        public Map<io.kubedsr.ipvs.VirtualServerKey.ByAddress, Integer> dsrMarks() {
            return Map.of();
        }

        @Override
        public Map<io.kubedsr.ipvs.VirtualServerKey.ByAddress, Integer> shortCircuitMarks() {
            return Map.of();
        }

        @Override
        public void delete() {
        }
    };

    private SyncBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int services = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int endpoints = 10;
        ClusterModel model = new ClusterModel();
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < services; i++) {
            String vip = "10." + (96 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
            String name = "svc-" + i;
            model.putService(new ServiceBuilder().withNewMetadata().withNamespace("bench").withName(name).endMetadata()
                    .withNewSpec().withType("ClusterIP").withClusterIP(vip).addNewPort().withName("http").withProtocol("TCP")
                    .withPort(80).endPort().endSpec().build());
            List<Endpoint> eps = new ArrayList<>();
            rules.append("-A -t ").append(vip).append(":80 -s rr\n");
            for (int j = 0; j < endpoints; j++) {
                String ep = "10.244." + j + "." + (1 + i % 250);
                eps.add(new EndpointBuilder().withAddresses(ep).withNewConditions().withReady(true).endConditions().build());
                rules.append("-a -t ").append(vip).append(":80 -r ").append(ep).append(":8080 -m -w 1\n");
            }
            model.putSlice(new EndpointSliceBuilder().withNewMetadata().withNamespace("bench").withName(name + "-1")
                    .withLabels(Map.of("kubernetes.io/service-name", name)).endMetadata().withAddressType("IPv4")
                    .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort().withEndpoints(eps).build());
        }
        NodeInfo node = new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.1")), List.of());
        try (TestNamespace ns = TestNamespace.create();
                IpvsClient ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
                Rtnetlink rtnl = ns.namespace().openRtnetlink()) {
            // The node's own address, which the VIPs' local routes take as their source.
            ns.exec("ip", "link", "add", "eth0", "type", "dummy");
            ns.exec("ip", "addr", "add", "192.168.1.1/24", "dev", "eth0");
            ns.exec("ip", "link", "set", "eth0", "up");
            ServiceSnapshot snapshot = new ServiceSnapshot(model, node, Set.of());
            Nftables nft = Boolean.parseBoolean(System.getProperty("kubedsr.bench.nft", "true")) ? new NftTable(ns.namespace())
                    : WITHOUT_NFT;
            java.util.function.Supplier<SyncEngine> newEngine = () -> {
                SyncEngine e = new SyncEngine(AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16"}),
                        new ServiceKernel(ipvs, rtnl, nft, PodReceivers.NONE, UdpConntrack.NONE), Clock.systemUTC());
                e.start(node);
                return e;
            };
            SyncEngine engine = newEngine.get();
            long[] cpu0 = cpuTicks();
            long[] jvm0 = jvmWork();
            long t0 = System.nanoTime();
            SyncResult full = engine.fullResync(snapshot);
            long[] cpu1 = cpuTicks();
            long[] jvm1 = jvmWork();
            System.out.printf(Locale.ROOT, "phase: full sync returned after %.2f s (nft %s)%n", (System.nanoTime() - t0) / 1e9,
                    System.getProperty("kubedsr.bench.nft", "true"));
            double fullSeconds = (System.nanoTime() - t0) / 1e9;
            if (!full.failures().isEmpty() || ipvs.virtualServers().size() != services) {
                throw new IllegalStateException("full sync incomplete: " + full.failures().size() + " failures");
            }
            System.gc();
            long rss = rssKilobytes();

            // The periodic full resync (--ipvs-sync-period) with nothing changed, then a restarted agent (a new
            // engine) adopting the kernel state: both dump and compare, and must write nothing.
            long[] cpu3 = cpuTicks();
            long[] jvm3 = jvmWork();
            long t3 = System.nanoTime();
            SyncResult unchanged = engine.fullResync(snapshot);
            double unchangedSeconds = (System.nanoTime() - t3) / 1e9;
            long[] cpu4 = cpuTicks();
            long t4 = System.nanoTime();
            engine = newEngine.get(); // the old engine is dropped, as in a real restart (one engine's state in the heap)
            SyncResult adopted = engine.fullResync(snapshot);
            double adoptedSeconds = (System.nanoTime() - t4) / 1e9;
            long[] cpu5 = cpuTicks();
            long[] jvm5 = jvmWork();

            // One endpoint added to one Service (on the restarted engine), five times (different Services): the first run is cold code
            // in an emulated JVM, the later ones show the steady state.
            List<String> oneTimes = new ArrayList<>();
            SyncResult one = null;
            long requests = 0;
            for (int round = 0; round < 5; round++) {
                ServiceRef changed = new ServiceRef("bench", "svc-" + (services / 2 + round));
                List<Endpoint> more = new ArrayList<>(model.slices(changed).get(0).getEndpoints());
                more.add(new EndpointBuilder().withAddresses("10.250.0." + (1 + round)).withNewConditions().withReady(true)
                        .endConditions().build());
                model.putSlice(new EndpointSliceBuilder(model.slices(changed).get(0)).withEndpoints(more).build());
                long requestsBefore = ipvs.connection().requestsSent();
                long t1 = System.nanoTime();
                one = engine.syncServices(List.of(changed), snapshot);
                oneTimes.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t1) / 1e6));
                requests = ipvs.connection().requestsSent() - requestsBefore;
            }

            Path file = Files.createTempFile("ipvsadm-", ".rules");
            Files.writeString(file, rules);
            double ipvsadm;
            try (TestNamespace other = TestNamespace.create()) {
                long t2 = System.nanoTime();
                other.exec("sh", "-c", "ipvsadm -R < " + file);
                ipvsadm = (System.nanoTime() - t2) / 1e9;
            }
            long[] cpu2 = cpuTicks();
            Files.delete(file);
            System.out.printf(Locale.ROOT, "RESULT full sync %dx%d from API objects: %.2f s (IPVS %d ops, address+nft %d writes); "
                    + "ipvsadm -R of the same IPVS table: %.2f s; ratio %.3f%n", services, endpoints, fullSeconds,
                    full.ipvsOperations(), full.addressOperations(), ipvsadm, fullSeconds / ipvsadm);
            System.out.printf(Locale.ROOT, "RESULT CPU seconds: full sync JVM user %.2f sys %.2f, its child processes (nft) user %.2f sys %.2f; "
                    + "ipvsadm -R (and its shell) user %.2f sys %.2f%n", ticks(cpu1[0] - cpu0[0]), ticks(cpu1[1] - cpu0[1]),
                    ticks(cpu1[2] - cpu0[2]), ticks(cpu1[3] - cpu0[3]), ticks(cpu2[2] - cpu1[2]), ticks(cpu2[3] - cpu1[3]));
            System.out.printf(Locale.ROOT, "RESULT JVM work during the full sync: JIT compiling %.2f s, %d GCs taking %.2f s, %d classes loaded%n",
                    (jvm1[0] - jvm0[0]) / 1e3, jvm1[1] - jvm0[1], (jvm1[2] - jvm0[2]) / 1e3, jvm1[3] - jvm0[3]);
            System.out.printf(Locale.ROOT, "RESULT periodic full resync, nothing changed: %.2f s (JVM user %.2f sys %.2f), %d kernel writes; "
                    + "a restarted engine adopting it: %.2f s (user %.2f sys %.2f), %d kernel writes%n", unchangedSeconds,
                    ticks(cpu4[0] - cpu3[0]), ticks(cpu4[1] - cpu3[1]), unchanged.kernelWrites(), adoptedSeconds,
                    ticks(cpu5[0] - cpu4[0]), ticks(cpu5[1] - cpu4[1]), adopted.kernelWrites());
            System.out.printf(Locale.ROOT, "RESULT JVM work during those two: JIT compiling %.2f s, %d GCs taking %.2f s%n",
                    (jvm5[0] - jvm3[0]) / 1e3, jvm5[1] - jvm3[1], (jvm5[2] - jvm3[2]) / 1e3);
            System.out.printf(Locale.ROOT, "RESULT one endpoint added beside %d services: %d IPVS operation(s), %d netlink request(s), "
                    + "sync ms over 5 rounds %s (nft table re-applied: %s)%n", services, one.ipvsOperations(), requests, oneTimes,
                    one.addressOperations() > 0);
            System.out.printf(Locale.ROOT, "RESULT JVM resident memory with %dx%d loaded and synced: %d MB (heap used %d MB)%n",
                    services, endpoints, rss / 1024,
                    (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024));
        }
    }

    /** JIT compilation ms, GC count, GC ms, classes loaded so far. */
    private static long[] jvmWork() {
        long gcCount = 0;
        long gcMillis = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            gcCount += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime(), gcCount, gcMillis,
                java.lang.management.ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount()};
    }

    /** utime, stime, cutime, cstime of this process (/proc/self/stat fields 14-17, clock ticks). */
    private static long[] cpuTicks() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // f[0] is field 3 (state): field n is f[n - 3]
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    }

    /** Clock ticks to seconds (USER_HZ is 100 on Linux x86-64). */
    private static double ticks(long t) {
        return t / 100.0;
    }

    private static long rssKilobytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
