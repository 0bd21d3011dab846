package io.kubedsr.proxy.fuzz;

import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.nft.NftInputs;
import io.kubedsr.proxy.nft.NftRules;
import io.kubedsr.proxy.plan.DesiredVirtualServer;
import io.kubedsr.proxy.plan.ServicePlan;
import io.kubedsr.proxy.plan.ServicePlanner;
import io.kubedsr.proxy.plan.ServiceTable;
import io.kubedsr.proxy.dsr.DsrMarks;
import io.kubedsr.proxy.watch.ClusterModel;

/**
 * Fuzz target: the planner's input. One to four Services with their EndpointSlices are built from the fuzz
 * data ({@link FuzzedServices}: every field a user can set, valid values mixed with wrong ones), planned,
 * put into the service table and rendered into the nftables text as a sync would. Nothing may throw: a bad field is a
 * {@link Problem} of its own Service, never an exception (which would stop every other Service's sync). The
 * plans go through the service table, as the engine's syncs do.
 */
public final class ServicePlannerFuzzTarget {
    static final AgentConfig CONFIG = AgentFlags.parse(new String[] {"--enable-ipv6=true",
        "--service-cluster-ip-range=10.96.0.0/12,fd00:96::/108", "--service-external-ip-range=1.2.3.0/24,2001:db8::/64",
        "--loadbalancer-ip-range=5.6.7.0/24,2001:db8::/64", "--cluster-cidr=10.244.0.0/16"});
    static final NodeInfo NODE = new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.10"), IpPrefix.parseAddress("fd00:1::10")),
            List.of(IpPrefix.parseAddress("192.168.1.10"), IpPrefix.parseAddress("10.0.0.7"), IpPrefix.parseAddress("fd00:1::10")),
            "zone-a");
    private static final ServicePlanner PLANNER = new ServicePlanner(CONFIG, NODE,
            a -> a.equals(IpPrefix.parseAddress("192.168.1.11")));

    private ServicePlannerFuzzTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        int count = data.consumeInt(1, 4);
        List<ServicePlan> plans = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Service service = FuzzedServices.service(data, i);
            List<EndpointSlice> slices = FuzzedServices.slices(data, service);
            // Through the model, as the agent keeps them: the views the planner reads.
            ClusterModel model = new ClusterModel();
            ServiceRef ref = model.putService(service);
            slices.forEach(model::putSlice);
            ServicePlan plan = PLANNER.plan(model.service(ref).orElseThrow(), model.slices(ref));
            for (Problem p : plan.problems()) {
                if (!p.service().equals(plan.service())) {
                    throw new IllegalStateException("a problem of " + plan.service() + " names " + p.service());
                }
            }
            for (DesiredVirtualServer d : plan.virtualServers()) {
                if (!d.owner().service().equals(plan.service())) {
                    throw new IllegalStateException("a virtual server of " + plan.service() + " is owned by " + d.owner());
                }
            }
            plans.add(plan);
        }
        ServiceTable table = new ServiceTable(new DsrMarks());
        for (ServicePlan plan : plans) {
            table.put(plan);
        }
        table.dump();
        NftRules.render(NftInputs.of(CONFIG, table, table.vips(), 1500));
    }
}
