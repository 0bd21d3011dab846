package io.kubedsr.proxy.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.TestNamespace;
import io.kubedsr.netlink.route.Route;
import io.kubedsr.proxy.overlay.Nodes;
import io.kubedsr.proxy.overlay.OverlayEngine;
import io.kubedsr.proxy.overlay.OverlaySettings;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.tunnel.Encapsulation;
import io.kubedsr.tunnel.FouPort;
import io.kubedsr.tunnel.NodeTunnels;
import io.kubedsr.tunnel.TunnelNames;

/**
 * Benchmark command (not a test), run inside the VM by {@code bench/overlay.sh}: N Node objects on another
 * subnet than this node (so each gets a tunnel and a pod CIDR route through it) converge from nothing; the
 * same state again (no change); one node's pod CIDR changed, one node removed and one added beside the
 * others (writes, netlink requests, time); and, for comparison, the same links and routes through
 * {@code ip -batch}. Exits non-zero if the kernel state is not what the plans say.
 */
public final class OverlayBenchmark {
    private OverlayBenchmark() {
    }

    static Node peer(int i, int cidrVariant) {
        String address = "10.200." + (i >> 8) + "." + (i & 0xFF);
        return Nodes.node("node-" + i, address, "10." + (128 + cidrVariant * 16 + (i >> 8)) + "." + (i & 0xFF) + ".0/24");
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Encapsulation encap = Encapsulation.parse(args.length > 1 ? args[1] : "ipip", 5555);
        Map<String, Node> nodes = new HashMap<>();
        nodes.put("node1", Nodes.node("node1", "192.168.1.1", "10.244.1.0/24"));
        for (int i = 1; i <= n; i++) {
            Node p = peer(i, 0);
            nodes.put(p.getMetadata().getName(), p);
        }
        try (TestNamespace ns = TestNamespace.create(); TestNamespace lan = TestNamespace.create();
                NetlinkConnection generic = ns.namespace().openConnection(NetlinkProtocol.GENERIC)) {
            TestNamespace.veth(ns, "eth0", "192.168.1.1/24", lan, "eth0", "192.168.1.254/24");
            ns.exec("ip", "route", "add", "default", "via", "192.168.1.254");
            NodeTunnels tunnels = new NodeTunnels(ns.rtnl(), generic);
            OverlayEngine engine = new OverlayEngine(new OverlaySettings(true, false, encap, List.of(AddressFamily.INET)),
                    List.of(new FouPort(AddressFamily.INET, 5555)), Set.of(5555), ns.rtnl(), tunnels);
            NetlinkConnection rtnl = ns.rtnl().connection();

            long r0 = rtnl.requestsSent() + generic.requestsSent();
            Work w0 = Work.now();
            OverlaySyncResult full = engine.fullSync("node1", nodes.values());
            Work fullWork = Work.now().minus(w0);
            long fullRequests = rtnl.requestsSent() + generic.requestsSent() - r0;
            check(ns, n, full);
            r0 = rtnl.requestsSent() + generic.requestsSent();
            OverlaySyncResult again = engine.fullSync("node1", nodes.values());
            long againRequests = rtnl.requestsSent() + generic.requestsSent() - r0;
            if (again.writes() != 0) {
                throw new IllegalStateException("a full sync without changes wrote " + again.writes());
            }

            // One node's pod CIDR changes, five times (different nodes): the first is cold code in an emulated JVM.
            List<String> times = new ArrayList<>();
            long oneWrites = 0;
            long oneRequests = 0;
            for (int round = 0; round < 5; round++) {
                Node changed = peer(n / 2 + round, 1);
                nodes.put(changed.getMetadata().getName(), changed);
                r0 = rtnl.requestsSent() + generic.requestsSent();
                long t = System.nanoTime();
                OverlaySyncResult one = engine.syncNodes(List.of(changed.getMetadata().getName()), Map.of(changed.getMetadata().getName(), changed));
                times.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t) / 1e6));
                oneWrites = one.writes();
                oneRequests = rtnl.requestsSent() + generic.requestsSent() - r0;
                if (one.nodesPlanned() != 1) {
                    throw new IllegalStateException("one change planned " + one.nodesPlanned() + " nodes");
                }
            }
            String gone = "node-" + (n / 3);
            nodes.remove(gone);
            long t = System.nanoTime();
            OverlaySyncResult removal = engine.syncNodes(List.of(gone), Map.of());
            double removalMs = (System.nanoTime() - t) / 1e6;
            Node added = peer(n + 1, 0);
            nodes.put(added.getMetadata().getName(), added);
            t = System.nanoTime();
            OverlaySyncResult addition = engine.syncNodes(List.of(added.getMetadata().getName()), Map.of(added.getMetadata().getName(), added));
            double additionMs = (System.nanoTime() - t) / 1e6;
            check(ns, n, engine.fullSync("node1", nodes.values()));

            // Every peer removed, then the same number converge again: the same requests as the first convergence, with the
            // code compiled by now. What the first convergence costs more than this one is the cold JVM, not the kernel.
            OverlaySyncResult cleared = engine.fullSync("node1", List.of(nodes.get("node1")));
            if (cleared.tunnels() != 0) {
                throw new IllegalStateException("peers left after removing them all: " + cleared);
            }
            r0 = rtnl.requestsSent() + generic.requestsSent();
            w0 = Work.now();
            OverlaySyncResult warm = engine.fullSync("node1", nodes.values());
            Work warmWork = Work.now().minus(w0);
            long warmRequests = rtnl.requestsSent() + generic.requestsSent() - r0;
            check(ns, n, warm);

            w0 = Work.now();
            double batch = ipBatch(n, encap);
            Work batchWork = Work.now().minus(w0);
            double converge = full.elapsed().toNanos() / 1e9;
            double warmConverge = warm.elapsed().toNanos() / 1e9;
            System.out.printf(Locale.ROOT, "RESULT overlay %s: %d peers converge from nothing in %.2f s, %d writes, %d netlink requests;"
                    + " ip -batch of the same links and routes %.2f s; ratio %.2f (target <= 1.0)%n", encap, n, converge, full.writes(),
                    fullRequests, batch, converge / batch);
            System.out.printf(Locale.ROOT, "RESULT overlay %s: CPU of that convergence: JVM %s, %s; of ip -batch (children) %s%n", encap,
                    fullWork.cpu(), fullWork.jvm(), batchWork.childCpu());
            System.out.printf(Locale.ROOT, "RESULT overlay %s: all %d peers removed (%.2f s), then converging again with compiled code:"
                    + " %.2f s, %d writes, %d netlink requests, ratio %.2f to ip -batch; CPU: JVM %s, %s%n", encap, n,
                    cleared.elapsed().toNanos() / 1e9, warmConverge, warm.writes(), warmRequests, warmConverge / batch, warmWork.cpu(),
                    warmWork.jvm());
            System.out.printf(Locale.ROOT, "RESULT overlay %s: full sync of %d unchanged peers %.2f s, 0 writes, %d netlink requests%n",
                    encap, n, again.elapsed().toNanos() / 1e9, againRequests);
            System.out.printf(Locale.ROOT, "RESULT overlay %s: one node's pod CIDR changed beside %d: 1 node planned, %d writes, "
                    + "%d netlink requests, ms over 5 rounds %s%n", encap, n - 1, oneWrites, oneRequests, times);
            System.out.printf(Locale.ROOT, "RESULT overlay %s: one node removed: %d writes %.1f ms; one node added: %d writes %.1f ms%n",
                    encap, removal.writes(), removalMs, addition.writes(), additionMs);
        }
    }

    /** Every peer has its link and exactly its route through it. */
    private static void check(TestNamespace ns, int n, OverlaySyncResult r) {
        long links = ns.rtnl().links().stream().filter(l -> TunnelNames.isTunnelName(l.name())).count();
        long routes = ns.rtnl().routes(AddressFamily.INET, Route.TABLE_MAIN).stream()
                .filter(x -> x.destination().toString().startsWith("10.1") && x.outputLink() != 0).count();
        if (links != r.tunnels() || routes != r.tunnels() || r.tunnels() != n || r.failedNodes() != 0) {
            throw new IllegalStateException("not converged: " + links + " links, " + routes + " routes, plans " + r);
        }
    }

    private static double ipBatch(int n, Encapsulation encap) throws Exception {
        StringBuilder b = new StringBuilder();
        String gue = encap instanceof Encapsulation.Gue g ? " encap gue encap-sport auto encap-dport " + g.port() : "";
        for (int i = 1; i <= n; i++) {
            String name = "tun-" + i;
            b.append("link add ").append(name).append(" type ipip remote 10.200.").append(i >> 8).append('.').append(i & 0xFF)
                    .append(" local 192.168.1.1 ttl 225").append(gue).append('\n');
            b.append("link set ").append(name).append(" up\n");
            b.append("route replace 10.").append(128 + (i >> 8)).append('.').append(i & 0xFF).append(".0/24 dev ").append(name)
                    .append(" src 192.168.1.1\n");
        }
        Path file = Files.createTempFile("overlay-", ".batch");
        Files.writeString(file, b);
        try (TestNamespace other = TestNamespace.create(); TestNamespace lan = TestNamespace.create()) {
            TestNamespace.veth(other, "eth0", "192.168.1.1/24", lan, "eth0", "192.168.1.254/24");
            if (encap instanceof Encapsulation.Gue g) {
                other.exec("ip", "fou", "add", "port", String.valueOf(g.port()), "gue");
            }
            long t = System.nanoTime();
            other.exec("ip", "-batch", file.toString());
            return (System.nanoTime() - t) / 1e9;
        } finally {
            Files.delete(file);
        }
    }
}
