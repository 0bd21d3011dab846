package io.kubedsr.proxy.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.NodeInfo;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.watch.ClusterModel;
import io.kubedsr.proxy.dsr.DsrMarks;

/**
 * The bad-input table of docs/reliability.md at the planner: every Service and EndpointSlice field a user can
 * get wrong, planned beside a healthy Service. Each row asserts the Problem on the bad Service (what becomes its
 * Event), what of the bad Service is still served, and that the healthy Service is planned exactly as when
 * alone. Nothing throws.
 */
class BadServiceInputTest {
    private static final AgentConfig CONFIG = AgentFlags.parse(new String[] {"--service-external-ip-range=1.2.3.0/24",
        "--loadbalancer-ip-range=5.6.7.0/24"});
    private static final NodeInfo NODE = new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.10")),
            List.of(IpPrefix.parseAddress("192.168.1.10")));
    private static final ServicePlanner PLANNER = new ServicePlanner(CONFIG, NODE,
            a -> a.equals(IpPrefix.parseAddress("192.168.1.11")));
    private static final ServiceRef GOOD = new ServiceRef("default", "good");
    private static final ServiceRef BAD = new ServiceRef("default", "bad");

    /** A ClusterIP Service on TCP 80 with one ready endpoint 10.244.1.5:8080 on node1. */
    private static Service service(ServiceRef ref, String clusterIp, UnaryOperator<ServiceBuilder> change) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ref.namespace()).withName(ref.name()).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(clusterIp)
                .withPorts(new ServicePortBuilder().withName("http").withProtocol("TCP").withPort(80)
                        .withTargetPort(new IntOrString(8080)).build())
                .endSpec();
        return change.apply(b).build();
    }

    private static EndpointSlice slice(ServiceRef ref, String type, int port, String... addresses) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace(ref.namespace()).withName(ref.name() + "-x")
                .addToLabels(Annotations.LABEL_SERVICE_NAME, ref.name()).endMetadata().withAddressType(type)
                .addNewPort().withName("http").withProtocol("TCP").withPort(port).endPort()
                .addNewEndpoint().withAddresses(addresses).withNodeName("node1").endEndpoint().build();
    }

    private static final Service GOOD_SERVICE = service(GOOD, "10.96.0.1", b -> b);
    private static final List<EndpointSlice> GOOD_SLICES = List.of(slice(GOOD, "IPv4", 8080, "10.244.1.5"));
    private static final String GOOD_ALONE = table(plan(GOOD_SERVICE, GOOD_SLICES)).dump();

    /** Plans a Service and its slices as the agent does: through the model's views of them. */
    private static ServicePlan plan(Service service, List<EndpointSlice> slices) {
        ClusterModel model = new ClusterModel();
        ServiceRef ref = model.putService(service);
        slices.forEach(model::putSlice);
        return PLANNER.plan(model.service(ref).orElseThrow(), model.slices(ref));
    }

    /** The service table the engine keeps, holding these plans. */
    private static ServiceTable table(ServicePlan... plans) {
        ServiceTable table = new ServiceTable(new DsrMarks());
        for (ServicePlan p : plans) {
            table.put(p);
        }
        return table;
    }

    /** Plans the good Service and the bad one; checks the good one is untouched and returns the bad one's plan. */
    private static ServicePlan planBesideGood(Service bad, List<EndpointSlice> badSlices) {
        ServicePlan good = plan(GOOD_SERVICE, GOOD_SLICES);
        ServicePlan plan = plan(bad, badSlices);
        ServiceTable both = table(good, plan);
        assertThat(good.problems()).isEmpty();
        assertThat(both.winners().values()).filteredOn(d -> d.owner().service().equals(GOOD))
                .hasSameSizeAs(good.virtualServers());
        ServiceTable alone = table(good);
        assertThat(alone.dump()).isEqualTo(GOOD_ALONE);
        return plan;
    }

    private static List<String> reasons(ServicePlan plan) {
        return plan.problems().stream().map(Problem::reason).toList();
    }

    private static List<String> served(ServicePlan plan) {
        return plan.virtualServers().stream().map(d -> d.server().key() + " " + d.realServers().size()).sorted().toList();
    }

    @Test
    void portWithoutPortNumberIsAProblemAndTheOtherPortsAreServed() {
        // Used to throw NullPointerException out of the planner, failing the sync of every Service.
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec()
                .addToPorts(new ServicePortBuilder().withName("metrics").withProtocol("TCP").build()).endSpec());
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "IPv4", 8080, "10.244.1.6")));
        assertThat(reasons(plan)).containsExactly("InvalidPort");
        assertThat(plan.problems().get(0).message()).contains("port metrics/TCP has no port number");
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 1");
    }

    @Test
    void portNumbersOutsideTheRangeAreProblems() {
        for (int number : new int[] {0, -1, 65536, Integer.MAX_VALUE}) {
            Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().editFirstPort().withPort(number).endPort().endSpec());
            ServicePlan plan = planBesideGood(bad, List.of());
            assertThat(reasons(plan)).as("port %d", number).containsExactly("InvalidPort");
            assertThat(plan.virtualServers()).isEmpty();
        }
    }

    @Test
    void nodePortOutsideTheRangeIsAProblemAndTheClusterIpIsServed() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withType("NodePort").editFirstPort().withNodePort(70000)
                .endPort().endSpec());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactly("InvalidNodePort");
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0");
    }

    @Test
    void unknownAndLowerCaseProtocolsAreProblems() {
        for (String protocol : new String[] {"ICMP", "tcp", ""}) {
            Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().editFirstPort().withProtocol(protocol).endPort().endSpec());
            assertThat(reasons(planBesideGood(bad, List.of()))).as(protocol).containsExactly("UnsupportedProtocol");
        }
    }

    @Test
    void clusterIpThatIsNoAddressIsAProblem() {
        Service bad = service(BAD, "10.96.0.300", b -> b);
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactly("InvalidAddress");
        assertThat(plan.virtualServers()).isEmpty();
    }

    @Test
    void clusterIpOfADisabledFamilyIsNotServedAndNoProblem() {
        // IPv6 is off (the default): a dual-stack Service's IPv6 ClusterIP is simply not this agent's to serve.
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withClusterIPs("10.96.0.2", "fd00::2").endSpec());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(plan.problems()).isEmpty();
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0");
    }

    @Test
    void externalAndLoadBalancerIpsOutsideTheirRangesOrInsideTheServiceRangeAreRefused() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withExternalIPs("1.2.3.4", "9.9.9.9", "10.96.0.99", "x")
                .endSpec().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("5.6.7.8").endIngress()
                .addNewIngress().withIp("8.8.8.8").endIngress().endLoadBalancer().endStatus());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactlyInAnyOrder("ExternalIPRefused", "ExternalIPRefused", "InvalidAddress",
                "ExternalIPRefused");
        assertThat(served(plan)).containsExactly("TCP 1.2.3.4:80 0", "TCP 10.96.0.2:80 0", "TCP 5.6.7.8:80 0");
    }

    @Test
    void loadBalancerSourceRangesThatAreNoCidrsAreProblemsAndTheOthersApply() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withType("LoadBalancer")
                .withLoadBalancerSourceRanges("10.0.0.0/8", "10.1.2.3", "garbage/33", " 192.168.0.0/16 ").endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("5.6.7.8").endIngress().endLoadBalancer().endStatus());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactly("InvalidSourceRange", "InvalidSourceRange");
        // node1's 192.168.1.10 is in 192.168.0.0/16: the LoadBalancer IP may be its own source.
        assertThat(plan.virtualServers()).filteredOn(d -> d.role() == Role.LOAD_BALANCER).singleElement()
                .satisfies(d -> assertThat(d.sourceRanges()).hasToString("10.0.0.0/8,192.168.0.0/16,5.6.7.8/32"));
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0", "TCP 5.6.7.8:80 0");
    }

    @Test
    void sourceRangesWithoutAValidEntryCloseTheLoadBalancerIp() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withType("LoadBalancer").withLoadBalancerSourceRanges("x")
                .endSpec().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("5.6.7.8").endIngress().endLoadBalancer()
                .endStatus());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactly("InvalidSourceRange", "SourceRangesClosed");
        assertThat(plan.virtualServers()).filteredOn(d -> d.role() == Role.LOAD_BALANCER).singleElement()
                .satisfies(d -> assertThat(d.sourceRanges().allowed()).isEmpty());
    }

    @Test
    void anExternalIpOfAFamilyTheServiceLacksIsRefusedOnADualStackNode() {
        AgentConfig dual = AgentFlags.parse(new String[] {"--enable-ipv6=true", "--service-external-ip-range=1.2.3.0/24,2001:db8::/64",
            "--service-cluster-ip-range=10.96.0.0/12,fd00:96::/108"});
        NodeInfo node = new NodeInfo("node1", List.of(IpPrefix.parseAddress("192.168.1.10"), IpPrefix.parseAddress("fd00:1::10")),
                List.of(IpPrefix.parseAddress("192.168.1.10"), IpPrefix.parseAddress("fd00:1::10")));
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withType("NodePort").withIpFamilies("IPv4")
                .withExternalIPs("1.2.3.4", "2001:db8::4").editFirstPort().withNodePort(30002).endPort().endSpec());
        ServicePlan plan = new ServicePlanner(dual, node).plan(ServiceView.of(bad), List.of());
        assertThat(reasons(plan)).containsExactly("ExternalIPRefused");
        assertThat(served(plan)).containsExactly("TCP 1.2.3.4:80 0", "TCP 10.96.0.2:80 0", "TCP 192.168.1.10:30002 0");
    }

    @Test
    void endpointAddressesOfTheWrongFamilyOrNoAddressAreProblemsAndTheOthersAreUsed() {
        Service bad = service(BAD, "10.96.0.2", b -> b);
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "IPv4", 8080, "10.244.1.6", "fd00::6", "pod-a")));
        assertThat(reasons(plan)).containsExactly("InvalidEndpointAddress", "InvalidEndpointAddress");
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 1");
    }

    @Test
    void endpointPortOutsideTheRangeIsAProblem() {
        Service bad = service(BAD, "10.96.0.2", b -> b);
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "IPv4", 70000, "10.244.1.6")));
        assertThat(reasons(plan)).containsExactly("InvalidEndpointPort");
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0");
    }

    @Test
    void fqdnSlicesAreNotForProxiesAndNoProblem() {
        Service bad = service(BAD, "10.96.0.2", b -> b);
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "FQDN", 8080, "example.com")));
        assertThat(plan.problems()).isEmpty();
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0");
    }

    @Test
    void annotationsWithBadValuesAreProblemsAndTheDefaultsApply() {
        Map<String, String> annotations = Map.of(Annotations.SCHEDULER, "fastest", Annotations.SCHED_FLAGS, "flag-9",
                Annotations.LOCAL, "yes", Annotations.SKIP_LB_IPS, "1", Annotations.DSR, "direct");
        Service bad = service(BAD, "10.96.0.2", b -> b.editMetadata().withAnnotations(annotations).endMetadata());
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "IPv4", 8080, "10.244.1.6")));
        assertThat(reasons(plan)).hasSize(5).containsOnly("InvalidAnnotation");
        assertThat(plan.virtualServers()).singleElement().satisfies(d -> {
            assertThat(d.server().scheduler()).isEqualTo(ServicePlanner.DEFAULT_SCHEDULER);
            assertThat(d.server().flags()).isEmpty();
            assertThat(d.dsr()).isNull();
        });
    }

    @Test
    void unknownDsrEncapsulationIsAProblemAndTheNodeDefaultApplies() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editMetadata()
                .withAnnotations(Map.of(Annotations.DSR, "tunnel", Annotations.DSR_ENCAP, "vxlan")).endMetadata()
                .editSpec().editFirstPort().withTargetPort(new IntOrString(80)).endPort().withExternalIPs("1.2.3.4").endSpec());
        ServicePlan plan = planBesideGood(bad, List.of(slice(BAD, "IPv4", 80, "10.244.1.6")));
        assertThat(reasons(plan)).containsExactly("InvalidAnnotation");
        assertThat(plan.virtualServers()).filteredOn(d -> d.dsr() != null).singleElement()
                .satisfies(d -> assertThat(d.dsr().encapsulation()).isEqualTo(CONFIG.overlayEncap()));
    }

    @Test
    void dsrThatCannotWorkIsAProblemAndTheServiceIsMasqueraded() {
        Map<String, String> dsr = Map.of(Annotations.DSR, "tunnel");
        Service remap = service(BAD, "10.96.0.2", b -> b.editMetadata().withAnnotations(dsr).endMetadata()
                .editSpec().withExternalIPs("1.2.3.4").endSpec());
        ServicePlan plan = planBesideGood(remap, List.of(slice(BAD, "IPv4", 8080, "10.244.1.6")));
        assertThat(reasons(plan)).containsExactly("DsrPortRemap");
        assertThat(plan.virtualServers()).allSatisfy(d -> assertThat(d.dsr()).isNull());

        Service hostNetwork = service(BAD, "10.96.0.2", b -> b.editMetadata().withAnnotations(dsr).endMetadata()
                .editSpec().withExternalIPs("1.2.3.4").editFirstPort().withTargetPort(new IntOrString(80)).endPort().endSpec());
        plan = planBesideGood(hostNetwork, List.of(slice(BAD, "IPv4", 80, "192.168.1.11")));
        assertThat(reasons(plan)).containsExactly("DsrHostNetwork");
        assertThat(plan.virtualServers()).allSatisfy(d -> assertThat(d.dsr()).isNull());
    }

    @Test
    void sessionAffinityTimeoutOutsideTheRangeIsAProblemAndTheDefaultApplies() {
        for (int seconds : new int[] {-5, 0, 86401, Integer.MIN_VALUE}) {
            Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withSessionAffinity("ClientIP")
                    .withNewSessionAffinityConfig().withNewClientIP().withTimeoutSeconds(seconds).endClientIP()
                    .endSessionAffinityConfig().endSpec());
            ServicePlan plan = planBesideGood(bad, List.of());
            assertThat(reasons(plan)).as("%d s", seconds).containsExactly("InvalidSessionAffinity");
            assertThat(plan.virtualServers().get(0).server().timeoutSeconds()).isEqualTo(ServicePlanner.DEFAULT_AFFINITY_SECONDS);
        }
    }

    @Test
    void healthCheckNodePortOutsideTheRangeIsAProblem() {
        Service bad = service(BAD, "10.96.0.2", b -> b.editSpec().withType("NodePort").withExternalTrafficPolicy("Local")
                .withHealthCheckNodePort(70000).editFirstPort().withNodePort(30080).endPort().endSpec());
        ServicePlan plan = planBesideGood(bad, List.of());
        assertThat(reasons(plan)).containsExactly("InvalidHealthCheckNodePort");
        assertThat(served(plan)).containsExactly("TCP 10.96.0.2:80 0", "TCP 192.168.1.10:30080 0");
    }

    @Test
    void hugePortListIsPlannedWhole() {
        List<io.fabric8.kubernetes.api.model.ServicePort> ports = new ArrayList<>();
        for (int p = 1; p <= 5000; p++) {
            ports.add(new ServicePortBuilder().withName("p" + p).withProtocol(p % 2 == 0 ? "TCP" : "UDP").withPort(p).build());
        }
        Service big = service(BAD, "10.96.0.2", b -> b.editSpec().withPorts(ports).endSpec());
        ServicePlan plan = planBesideGood(big, List.of());
        assertThat(plan.problems()).isEmpty();
        assertThat(plan.virtualServers()).hasSize(5000);
    }

    @Test
    void thousandsOfServicesClaimingOneVirtualServerLeaveItToTheFirstAndEachOtherGetsOneProblem() {
        ServiceTable table = new ServiceTable(new DsrMarks());
        java.util.Map<ServiceRef, ServicePlan> batch = new java.util.LinkedHashMap<>();
        batch.put(GOOD, plan(GOOD_SERVICE, GOOD_SLICES));
        for (int i = 0; i < 3000; i++) {
            ServiceRef ref = new ServiceRef("ns" + i, "claim");
            // every one claims externalIP 1.2.3.4:80/TCP, half of them also ClusterIP 10.96.0.9
            batch.put(ref, plan(service(ref, i % 2 == 0 ? "10.96.0.9" : "10.96." + (1 + i / 250) + "." + (i % 250),
                    b -> b.editSpec().withExternalIPs("1.2.3.4").endSpec()), List.of()));
        }
        // As a full sync puts them: one batch, each loser reported once (one put at a time reported every loser
        // again at each put: 5.6 million problems for these 3,000 Services).
        TableChange change = table.update(batch);
        assertThat(change.problems()).hasSize(2999 + 1499).doesNotHaveDuplicates();
        assertThat(table.winner(key("1.2.3.4")).owner().service()).isEqualTo(new ServiceRef("ns0", "claim"));
        assertThat(table.winner(key("10.96.0.9")).owner().service()).isEqualTo(new ServiceRef("ns0", "claim"));
        List<String> conflicts = table.dump().lines().filter(l -> l.contains("VirtualServerConflict")).toList();
        assertThat(conflicts).hasSize(2999 + 1499);
        assertThat(conflicts).noneMatch(l -> l.startsWith("problem ns0/claim ") || l.startsWith("problem " + GOOD + " "));
        assertThat(table.winner(key("10.96.0.1")).owner().service()).isEqualTo(GOOD);
    }

    private static io.kubedsr.ipvs.VirtualServerKey key(String ip) {
        return io.kubedsr.ipvs.VirtualServerKey.of(IpPrefix.parseAddress(ip), io.kubedsr.ipvs.Protocol.TCP, 80);
    }
}
