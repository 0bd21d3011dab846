package io.kubedsr.netlink.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * Benchmark command (not a test): adds then deletes N routes in a fresh namespace through this library and
 * through {@code ip -batch}, and prints both times and the ratio library/ip. Run with
 * {@code bench/routes.sh [N] [rounds]}.
 */
public final class RouteBenchmark {
    private RouteBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (TestNamespace ns = TestNamespace.create()) {
            Rtnetlink rtnl = ns.rtnl();
            int dev = rtnl.addLink("bench0", new LinkKind.Bridge()).index();
            rtnl.setUp(dev);
            rtnl.addAddress(Address.of(dev, IpPrefix.parse("192.168.200.1/24")));

            List<Route> routes = new ArrayList<>(n);
            StringBuilder add = new StringBuilder();
            StringBuilder del = new StringBuilder();
            for (int i = 0; i < n; i++) {
                String dst = "10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF) + "/32";
                routes.add(Route.to(IpPrefix.parse(dst)).withTable(100).withOutputLink(dev));
                add.append("route add ").append(dst).append(" dev bench0 table 100\n");
                del.append("route del ").append(dst).append(" dev bench0 table 100\n");
            }
            Path addFile = Files.createTempFile("routes-add", ".batch");
            Path delFile = Files.createTempFile("routes-del", ".batch");
            Files.writeString(addFile, add);
            Files.writeString(delFile, del);

            long[] lib = new long[rounds];
            long[] ip = new long[rounds];
            // Round 0 warms up the JIT and the kernel's allocators; it is printed but not counted.
            for (int round = 0; round <= rounds; round++) {
                long t0 = System.nanoTime();
                BatchResult added = rtnl.addRoutes(routes);
                long t1 = System.nanoTime();
                BatchResult deleted = rtnl.deleteRoutes(routes);
                long t2 = System.nanoTime();
                added.throwIfFailed();
                deleted.throwIfFailed();
                check(rtnl, 0);

                long t3 = System.nanoTime();
                TestNamespace.run("ip", "-n", ns.name(), "-batch", addFile.toString());
                long t4 = System.nanoTime();
                check(rtnl, n);
                long t5 = System.nanoTime();
                TestNamespace.run("ip", "-n", ns.name(), "-batch", delFile.toString());
                long t6 = System.nanoTime();
                check(rtnl, 0);
                System.out.printf(Locale.ROOT, "round %d%s: library add %.1f ms + delete %.1f ms; ip -batch add %.1f ms + delete %.1f ms%n",
                        round, round == 0 ? " (warm-up)" : "", ms(t1 - t0), ms(t2 - t1), ms(t4 - t3), ms(t6 - t5));
                if (round > 0) {
                    lib[round - 1] = (t2 - t0);
                    ip[round - 1] = (t4 - t3) + (t6 - t5);
                }
            }
            double libMedian = ms(median(lib));
            double ipMedian = ms(median(ip));
            System.out.printf(Locale.ROOT, "routes=%d rounds=%d median add+delete: library %.1f ms, ip -batch %.1f ms, ratio library/ip %.2f%n",
                    n, rounds, libMedian, ipMedian, libMedian / ipMedian);
            Files.delete(addFile);
            Files.delete(delFile);
        }
    }

    private static void check(Rtnetlink rtnl, int expected) {
        int actual = rtnl.routes(AddressFamily.INET, 100).size();
        if (actual != expected) {
            throw new IllegalStateException("table 100 holds " + actual + " routes, expected " + expected);
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
