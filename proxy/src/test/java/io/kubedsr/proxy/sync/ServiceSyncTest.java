package io.kubedsr.proxy.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kubedsr.ipvs.FakeIpvsTable;
import io.kubedsr.ipvs.Forwarding;
import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.Protocol;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.route.Address;
import io.kubedsr.netlink.route.FakeRouting;
import io.kubedsr.netlink.route.Link;
import io.kubedsr.netlink.route.LinkKind;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.dsr.FakePodReceivers;
import io.kubedsr.proxy.health.HealthCheckNodePorts;
import io.kubedsr.proxy.health.HealthServer;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.SyncEngine;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.metrics.SyncMetrics;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.FakeNftables;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.watch.NodeModel;
import io.vertx.core.Vertx;

/**
 * The service side on its loop, in virtual time, against the kernel fakes: a full sync first, incremental syncs for
 * changes, and at the period a verification in steps rather than a full resync.
 */
class ServiceSyncTest {
    private final Vertx vertx = Vertx.vertx();
    private final ManualTimers timers = new ManualTimers();
    private final FakeIpvsTable ipvs = new FakeIpvsTable();
    private final FakeRouting routing = new FakeRouting();
    private final ClusterModel model = new ClusterModel();
    private final NodeModel nodes = new NodeModel("node1");
    private final List<ServiceSync.Ran> runs = new ArrayList<>();
    private ServiceSync sync;

    @BeforeEach
    void setUp() {
        Link eth0 = routing.addLink("eth0", new LinkKind.Other("veth"));
        routing.setUp(eth0.index());
        routing.addAddresses(List.of(Address.of(eth0.index(), IpPrefix.parse("192.168.1.1/24")))).throwIfFailed();
        nodes.put(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().withNewStatus().addNewAddress()
                .withType("InternalIP").withAddress("192.168.1.1").endAddress().endStatus().build());
        for (int i = 1; i <= 40; i++) {
            model.putService(TestObjects.service("s" + i, "10.96.1." + i, 80, null));
            model.putSlice(TestObjects.slice("s" + i, 8080, "node2", "10.244.1." + i));
        }
        AgentConfig config = AgentFlags.parse(new String[] {"--ipvs-sync-period=5m"});
        Clock clock = Clock.systemUTC();
        SyncEngine engine = new SyncEngine(config, new ServiceKernel(ipvs, routing, new FakeNftables(new FakeNftables.Kernel()),
                new FakePodReceivers(), UdpConntrack.NONE), clock);
        engine.start(nodes.selfInfo());
        Executor kernel = Runnable::run; // jobs run at once; their results come back through the timers
        sync = new ServiceSync(model, nodes, () -> engine, clock, timers, kernel, SyncPolicy.withPeriod(config.ipvsSyncPeriod()),
                new ServiceSync.Observers(new SyncMetrics(), new HealthServer(vertx, config.ipvsSyncPeriod(), clock),
                        new HealthCheckNodePorts(vertx, List.of("127.0.0.1"), "node1", () -> true, p -> {
                        }), p -> {
                        }));
        sync.onRan(runs::add);
    }

    @AfterEach
    void tearDown() {
        vertx.close().await();
    }

    private static InetAddress ip(String text) {
        return IpPrefix.parseAddress(text);
    }

    private List<SyncMetrics.Kind> kinds() {
        return runs.stream().map(ServiceSync.Ran::kind).toList();
    }

    @Test
    void thePeriodVerifiesTheKernelInStepsInsteadOfAFullResync() {
        sync.informersSynced();
        timers.advance(Duration.ofSeconds(1));
        assertThat(kinds()).containsExactly(SyncMetrics.Kind.FULL);
        assertThat(sync.firstSync()).isCompleted();

        model.putSlice(TestObjects.slice("s3", 8080, "node2", "10.244.1.3", "10.244.2.3"));
        sync.serviceChanged(new ServiceRef("default", "s3"));
        timers.advance(Duration.ofSeconds(1));
        assertThat(kinds()).containsExactly(SyncMetrics.Kind.FULL, SyncMetrics.Kind.INCREMENTAL);
        assertThat(runs.get(1).result().ipvsOperations()).isEqualTo(1);

        VirtualServerKey s7 = VirtualServerKey.of(ip("10.96.1.7"), Protocol.TCP, 80);
        ipvs.apply(List.of(new IpvsOperation.DeleteRealServer(s7, RealServer.of(ip("10.244.1.7"), 8080, Forwarding.MASQUERADE, 1).key())));
        runs.clear();
        timers.advance(Duration.ofMinutes(5));
        assertThat(kinds()).as("no full resync at the period").isNotEmpty().containsOnly(SyncMetrics.Kind.VERIFY);
        assertThat(runs.get(runs.size() - 1).result().verificationLeft()).isZero();
        assertThat(runs.stream().mapToInt(r -> r.result().ipvsOperations()).sum()).as("the drift repaired").isEqualTo(1);
        assertThat(ipvs.realServers(s7)).hasSize(1);

        int steps = runs.size();
        timers.advance(Duration.ofMinutes(1));
        assertThat(runs).as("nothing more until the next period").hasSize(steps);
    }
}
