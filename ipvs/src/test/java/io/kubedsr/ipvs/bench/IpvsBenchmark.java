package io.kubedsr.ipvs.bench;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsClient;
import io.kubedsr.ipvs.IpvsFailure;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.VirtualServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/ipvs.sh}: programs S services x 10
 * tunnel-mode GUE real servers through the Java client and the same table with {@code ipvsadm -R} from a
 * file, each into a fresh namespace with lo up, and prints both times and the ratio Java/ipvsadm.
 */
public final class IpvsBenchmark {
    private static final int REAL_SERVERS = 10;

    private IpvsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) {
            sizes.add(Integer.parseInt(a));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1_000, 10_000);
        }
        // Warm-up: JIT and the kernel's allocators, not counted.
        runJava(200);
        for (int services : sizes) {
            double java = runJava(services);
            double ipvsadm = runIpvsadm(services);
            System.out.printf(Locale.ROOT, "RESULT %dx%d GUE: java %.2f s, ipvsadm -R %.2f s, ratio java/ipvsadm %.3f%n",
                    services, REAL_SERVERS, java, ipvsadm, java / ipvsadm);
        }
    }

    private static InetAddress vip(int i) {
        return IpPrefix.parseAddress("10." + (96 + (i >> 16)) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF));
    }

    private static InetAddress backend(int j) {
        return IpPrefix.parseAddress("10.244." + j + ".5");
    }

    private static double runJava(int services) {
        List<IpvsOperation> ops = new ArrayList<>(services * (REAL_SERVERS + 1));
        for (int i = 0; i < services; i++) {
            VirtualServerKey key = VirtualServerKey.of(vip(i), Protocol.TCP, 80);
            ops.add(new IpvsOperation.AddVirtualServer(VirtualServer.of(key, Scheduler.RR)));
            for (int j = 0; j < REAL_SERVERS; j++) {
                ops.add(new IpvsOperation.AddRealServer(key, RealServer.of(backend(j), 80, Forwarding.gue(5555), 1)));
            }
        }
        try (TestNamespace ns = TestNamespace.create();
                IpvsClient ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC))) {
            long t0 = System.nanoTime();
            List<IpvsFailure> failures = ipvs.apply(ops);
            long t1 = System.nanoTime();
            if (!failures.isEmpty()) {
                throw new IllegalStateException(failures.size() + " operations failed, first: " + failures.get(0));
            }
            check(ipvs, services);
            return (t1 - t0) / 1e9;
        }
    }

    private static double runIpvsadm(int services) throws Exception {
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < services; i++) {
            String v = vip(i).getHostAddress() + ":80";
            rules.append("-A -t ").append(v).append(" -s rr\n");
            for (int j = 0; j < REAL_SERVERS; j++) {
                rules.append("-a -t ").append(v).append(" -r ").append(backend(j).getHostAddress())
                        .append(":80 -i -w 1 --tun-type gue --tun-port 5555\n");
            }
        }
        Path file = Files.createTempFile("ipvsadm-", ".rules");
        Files.writeString(file, rules);
        try (TestNamespace ns = TestNamespace.create();
                IpvsClient ipvs = new IpvsClient(ns.namespace().openConnection(NetlinkProtocol.GENERIC))) {
            long t0 = System.nanoTime();
            ns.exec("sh", "-c", "ipvsadm -R < " + file);
            long t1 = System.nanoTime();
            check(ipvs, services);
            return (t1 - t0) / 1e9;
        } finally {
            Files.delete(file);
        }
    }

    private static void check(IpvsClient ipvs, int services) {
        int found = ipvs.virtualServers().size();
        int sampleDests = ipvs.realServers(VirtualServerKey.of(vip(services - 1), Protocol.TCP, 80)).size();
        if (found != services || sampleDests != REAL_SERVERS) {
            throw new IllegalStateException("programmed " + found + " services (last has " + sampleDests
                    + " real servers), expected " + services + " x " + REAL_SERVERS);
        }
    }
}
