package io.kubedsr.proxy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Rtnetlink;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.PodReceivers;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.SyncPhases;
import io.kubedsr.proxy.kernel.SyncResult;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftTable;
import io.kubedsr.proxy.nft.Nftables;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.InformerItemStore;
import io.kubedsr.proxy.watch.ServiceSnapshot;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/sync.sh} and {@code bench/curve.sh}: S
 * ClusterIP Services x 10 endpoints go through what the agent keeps of API objects (the informers' item stores and
 * the {@link ClusterModel}), then a full sync to the kernel (IPVS, the VIPs' local routes, the nftables table) with
 * its phases, the same IPVS table through {@code ipvsadm -R}, the JVM's memory with everything loaded and synced,
 * an unchanged periodic resync and a restarted engine adopting the state (time, writes), and one endpoint added
 * beside them (operations, requests, time).
 */
public final class SyncBenchmark {
    /** -Dkubedsr.bench.nft=false: the sync measured without nftables (nothing rendered is applied). */
    private static final Nftables WITHOUT_NFT = new Nftables() {
        @Override
        public boolean apply(String script) {
            return false;
        }

        @Override
        public Map<VirtualServerKey.ByAddress, Integer> dsrMarks() {
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
        long heap0 = Memory.heapUsedAfterGc();
        // What the agent keeps of the API objects: the informers' stores and the model, fed one object at a time
        // (each built, handed over and dropped, as an informer does).
        InformerItemStore<Service> serviceStore = InformerItemStore.services();
        InformerItemStore<EndpointSlice> sliceStore = InformerItemStore.endpointSlices();
        ClusterModel model = new ClusterModel();
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < services; i++) {
            Service s = BenchObjects.service(i);
            serviceStore.put(serviceStore.getKey(s), s);
            model.putService(s);
            EndpointSlice e = BenchObjects.slice(i, endpoints);
            sliceStore.put(sliceStore.getKey(e), e);
            model.putSlice(e);
            BenchObjects.ipvsadmRules(rules, i, endpoints);
        }
        Path file = Files.createTempFile("ipvsadm-", ".rules");
        Files.writeString(file, rules);
        rules = null;
        double modelMb = (Memory.heapUsedAfterGc() - heap0) / 1e6;
        NodeInfo node = BenchObjects.node();
        try (TestNamespace ns = TestNamespace.create();
                IpvsClient ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC));
                Rtnetlink rtnl = ns.namespace().openRtnetlink()) {
            // The node's own address, which the VIPs' local routes take as their source.
            ns.exec("ip", "link", "add", "eth0", "type", "dummy");
            ns.exec("ip", "addr", "add", "192.168.1.1/24", "dev", "eth0");
            ns.exec("ip", "link", "set", "eth0", "up");
            ServiceSnapshot snapshot = new ServiceSnapshot(model, node, Set.of());
            boolean withNft = Boolean.parseBoolean(System.getProperty("kubedsr.bench.nft", "true"));
            Nftables nft = withNft ? new NftTable(ns.namespace()) : WITHOUT_NFT;
            Supplier<SyncEngine> newEngine = () -> {
                SyncEngine e = new SyncEngine(AgentFlags.parse(new String[] {"--cluster-cidr=10.244.0.0/16"}),
                        new ServiceKernel(ipvs, rtnl, nft, PodReceivers.NONE, UdpConntrack.NONE), Clock.systemUTC());
                e.start(node);
                return e;
            };
            SyncEngine engine = newEngine.get();
            Work w0 = Work.now();
            long t0 = System.nanoTime();
            SyncResult full = engine.fullResync(snapshot);
            double fullSeconds = (System.nanoTime() - t0) / 1e9;
            Work w1 = Work.now();
            if (!full.failures().isEmpty() || ipvs.virtualServers().size() != services) {
                throw new IllegalStateException("full sync incomplete: " + full.failures().size() + " failures");
            }
            long rssAsSynced = Memory.rssKilobytes();
            long heapAfter = Memory.heapUsedAfterGc();
            long rss = Memory.rssKilobytes();
            int histogram = Integer.getInteger("kubedsr.bench.histogram", 0);
            if (histogram > 0) {
                System.out.println("live heap after the full sync:\n" + Memory.histogram(histogram));
            }

            // The periodic full resync (--ipvs-sync-period) with nothing changed, then a restarted agent (a new
            // engine) adopting the kernel state: both dump and compare, and must write nothing.
            Work w3 = Work.now();
            long t3 = System.nanoTime();
            SyncResult unchanged = engine.fullResync(snapshot);
            double unchangedSeconds = (System.nanoTime() - t3) / 1e9;
            Work w4 = Work.now();
            long t4 = System.nanoTime();
            engine = newEngine.get(); // the old engine is dropped, as in a real restart (one engine's state in the heap)
            SyncResult adopted = engine.fullResync(snapshot);
            double adoptedSeconds = (System.nanoTime() - t4) / 1e9;
            Work w5 = Work.now();

            // One endpoint added to one Service (on the restarted engine), five times (different Services): the first
            // run is cold code in an emulated JVM, the later ones show the steady state.
            List<String> oneTimes = new ArrayList<>();
            SyncResult one = null;
            long requests = 0;
            for (int round = 0; round < 5; round++) {
                int i = services / 2 + round;
                ServiceRef changed = BenchObjects.ref(i);
                model.putSlice(BenchObjects.slice(i, endpoints + 1));
                long requestsBefore = ipvs.connection().requestsSent() + rtnl.connection().requestsSent();
                long t1 = System.nanoTime();
                one = engine.syncServices(List.of(changed), new ServiceSnapshot(model.subset(List.of(changed)), node, Set.of()));
                oneTimes.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t1) / 1e6));
                requests = ipvs.connection().requestsSent() + rtnl.connection().requestsSent() - requestsBefore;
            }

            double ipvsadm;
            Work w6 = Work.now();
            try (TestNamespace other = TestNamespace.create()) {
                long t2 = System.nanoTime();
                other.exec("sh", "-c", "ipvsadm -R < " + file);
                ipvsadm = (System.nanoTime() - t2) / 1e9;
            }
            Work w7 = Work.now();
            Files.delete(file);
            SyncPhases p = full.phases();
            System.out.printf(Locale.ROOT, "RESULT full sync %dx%d from API objects (nft %s): %.2f s (IPVS %d ops, VIP/route+nft %d writes);"
                    + " ipvsadm -R of the same IPVS table: %.2f s; ratio %.3f%n", services, endpoints, withNft, fullSeconds,
                    full.ipvsOperations(), full.addressOperations(), ipvsadm, fullSeconds / ipvsadm);
            System.out.printf(Locale.ROOT, "RESULT full sync phases (s): marks %.2f plan %.2f dump %.2f vips %.2f dsr %.2f nft %.2f diff %.2f ipvs %.2f%n",
                    p.marks() / 1e9, p.plan() / 1e9, p.dump() / 1e9, p.vips() / 1e9, p.dsr() / 1e9, p.nft() / 1e9, p.diff() / 1e9,
                    p.ipvs() / 1e9);
            System.out.printf(Locale.ROOT, "RESULT CPU seconds: full sync JVM %s, its child processes (nft) %s; ipvsadm -R (and its shell) %s%n",
                    w1.minus(w0).cpu(), w1.minus(w0).childCpu(), w7.minus(w6).childCpu());
            System.out.printf(Locale.ROOT, "RESULT JVM work during the full sync: %s%n", w1.minus(w0).jvm());
            System.out.printf(Locale.ROOT, "RESULT periodic full resync, nothing changed: %.2f s (JVM %s), %d kernel writes; "
                    + "a restarted engine adopting it: %.2f s (JVM %s), %d kernel writes%n", unchangedSeconds, w4.minus(w3).cpu(),
                    unchanged.kernelWrites(), adoptedSeconds, w5.minus(w4).cpu(), adopted.kernelWrites());
            System.out.printf(Locale.ROOT, "RESULT JVM work during those two: %s%n", w5.minus(w3).jvm());
            System.out.printf(Locale.ROOT, "RESULT one endpoint added beside %d services: %d IPVS operation(s), %d netlink request(s), "
                    + "sync ms over 5 rounds %s (nft table re-applied: %s)%n", services, one.ipvsOperations(), requests, oneTimes,
                    one.addressOperations() > 0);
            System.out.printf(Locale.ROOT, "RESULT memory with %dx%d loaded and synced: RSS %d MB (%d MB as the full sync left it, peak %d MB);"
                    + " heap used %.1f MB of %.1f MB committed, of which the informer stores and the model %.1f MB; %s%n",
                    services, endpoints, rss / 1024, rssAsSynced / 1024, Memory.peakRssKilobytes() / 1024, heapAfter / 1e6,
                    Memory.heapCommitted() / 1e6, modelMb, Memory.nonHeap());
            System.out.printf(Locale.ROOT, "CURVE services=%d full_sync_s=%.2f ipvsadm_s=%.2f ratio=%.3f rss_mb=%d heap_used_mb=%.1f "
                    + "unchanged_resync_s=%.2f adoption_s=%.2f%n", services, fullSeconds, ipvsadm, fullSeconds / ipvsadm, rss / 1024,
                    heapAfter / 1e6, unchangedSeconds, adoptedSeconds);
        }
    }
}
