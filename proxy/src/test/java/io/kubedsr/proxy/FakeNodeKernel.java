package io.kubedsr.proxy;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Node;
import io.kubedsr.ipvs.FakeIpvsTable;
import io.kubedsr.ipvs.IpvsTable;
import io.kubedsr.netlink.route.FakeRouting;
import io.kubedsr.proxy.dsr.FakePodReceivers;
import io.kubedsr.proxy.encap.EncapGuard;
import io.kubedsr.proxy.kernel.ServiceKernel;
import io.kubedsr.proxy.kernel.UdpConntrack;
import io.kubedsr.proxy.nft.FakeNftables;
import io.kubedsr.proxy.overlay.OverlaySyncResult;
import io.kubedsr.proxy.overlay.OverlayWriter;

/**
 * A node kernel in memory, for running the whole agent where the kernel has no IPVS (host tests, the start-up
 * benchmark on the host): the engine's fakes, which contract tests hold to the kernel (the encapsulation guard
 * writes to a fake nftables too), and an overlay writer that plans and writes nothing (its counts say how many
 * nodes it was given).
 */
public final class FakeNodeKernel implements NodeKernel {
    private final IpvsTable ipvs;
    private final FakeRouting routing = new FakeRouting();
    private final ServiceKernel services;
    private final EncapGuard encapGuard = new EncapGuard(new FakeNftables(), List.of());

    public FakeNodeKernel() {
        this(new FakeIpvsTable());
    }

    public FakeNodeKernel(IpvsTable ipvs) {
        this.ipvs = ipvs;
        this.services = new ServiceKernel(ipvs, routing, new FakeNftables(), new FakePodReceivers(), UdpConntrack.NONE);
    }

    public IpvsTable ipvs() {
        return ipvs;
    }

    @Override
    public ServiceKernel services() {
        return services;
    }

    @Override
    public OverlayWriter overlay() {
        return new OverlayWriter() {
            @Override
            public OverlaySyncResult fullSync(String self, Collection<Node> nodes) {
                return new OverlaySyncResult(true, nodes.size(), 0, 0, 0, 0, Duration.ZERO, 0, Map.of(), List.of());
            }

            @Override
            public OverlaySyncResult syncNodes(Collection<String> changed, Map<String, Node> current) {
                return new OverlaySyncResult(false, changed.size(), 0, 0, 0, 0, Duration.ZERO, 0, Map.of(), List.of());
            }
        };
    }

    @Override
    public EncapGuard encapGuard() {
        return encapGuard;
    }

    @Override
    public void close() {
    }
}
