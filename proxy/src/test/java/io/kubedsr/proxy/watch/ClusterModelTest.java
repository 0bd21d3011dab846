package io.kubedsr.proxy.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.ForNode;
import io.fabric8.kubernetes.api.model.discovery.v1.ForZone;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.TestObjects;
import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;
import io.kubedsr.proxy.model.SliceView;

/** The model keeps what the planner reads of Services and slices, indexed by Service, and nothing else. */
class ClusterModelTest {
    private static final ServiceRef WEB = new ServiceRef("default", "web");

    @Test
    void aServiceIsKeptAsWhatThePlannerReads() {
        Service s = new ServiceBuilder(TestObjects.service("web", "10.96.0.10", 80, "2026-01-01T00:00:00Z", "198.51.100.7"))
                .editMetadata().addToAnnotations(Map.of(Annotations.SCHEDULER, "sh", "kubectl.kubernetes.io/last-applied-configuration",
                        "{...a copy of the whole object...}", "kube-dsr.io/service.dsr-encap", "gue"))
                .addToLabels(Map.of(Annotations.LABEL_PROXY_NAME, "other", "app", "web"))
                .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("kubectl").build()).withUid("u-1")
                .withResourceVersion("42").endMetadata()
                .editSpec().withSessionAffinity("ClientIP").withNewSessionAffinityConfig().withNewClientIP().withTimeoutSeconds(60)
                .endClientIP().endSessionAffinityConfig().withExternalTrafficPolicy("Local").withHealthCheckNodePort(31000)
                .withIpFamilies("IPv4").withLoadBalancerSourceRanges(" 192.0.2.0/24", "garbage").withTrafficDistribution("PreferClose")
                .endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("203.0.113.9").withIpMode("Proxy").endIngress()
                .addNewIngress().withHostname("lb.example").endIngress().endLoadBalancer().endStatus().build();
        ClusterModel model = new ClusterModel();
        assertThat(model.putService(s)).isEqualTo(WEB);
        assertThat(model.service(WEB)).hasValue(new ServiceView(WEB, "2026-01-01T00:00:00Z",
                Map.of(Annotations.SCHEDULER, "sh", "kube-dsr.io/service.dsr-encap", "gue"), Map.of(Annotations.LABEL_PROXY_NAME, "other"),
                "ClusterIP", "10.96.0.10", List.of("10.96.0.10"), List.of("IPv4"), List.of("198.51.100.7"),
                List.of(new ServiceView.Port("http", "TCP", 80, null)), "Local", null, "ClientIP", 60,
                List.of(new ServiceView.Ingress("203.0.113.9", "Proxy")), List.of(" 192.0.2.0/24", "garbage"), 31000, null));
    }

    @Test
    void aSliceKeepsParsedAddressesOfItsFamilyApartFromTheRestAndConditionsWithTheirDefaults() {
        EndpointSlice slice = new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName("web-abc")
                .withLabels(Map.of(Annotations.LABEL_SERVICE_NAME, "web")).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.1.2").withNodeName(new String("node1"))
                        .withNewTargetRef().withKind("Pod").withName("web-1").withUid("u-1").endTargetRef().withZone("a")
                        .withNewHints().addToForZones(new ForZone(new String("a")), new ForZone(""))
                        .addToForNodes(new ForNode(new String("node1"))).endHints().build())
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.1.3", "fd00::3", "not-an-ip").withNodeName(new String("node1"))
                        .withNewConditions().withReady(false).withTerminating(true).endConditions().build())
                .addToEndpoints(new EndpointBuilder().withAddresses("10.244.2.4").withNewConditions().withReady(false)
                        .withServing(true).endConditions().build())
                .build();
        ClusterModel model = new ClusterModel();
        assertThat(model.putSlice(slice)).containsExactly(WEB);
        assertThat(model.slices(WEB)).containsExactly(new SliceView("web-abc", AddressFamily.INET,
                List.of(new SliceView.Port("http", "TCP", 8080)), List.of(
                        new SliceView.Endpoint(List.of(IpPrefix.parseAddress("10.244.1.2")), List.of(), "node1", true, true, false,
                                List.of("a"), List.of("node1")),
                        new SliceView.Endpoint(List.of(IpPrefix.parseAddress("10.244.1.3")), List.of("fd00::3", "not-an-ip"), "node1",
                                false, false, true, List.of(), List.of()),
                        new SliceView.Endpoint(List.of(IpPrefix.parseAddress("10.244.2.4")), List.of(), null, false, true, false, List.of(), List.of())), null));
        assertThat(model.slices(WEB).get(0).endpoints().get(0).nodeName()).as("node names are shared").isSameAs("node1");
        assertThat(model.slices(WEB).get(0).endpoints().get(0).forZones().get(0)).as("zone names are shared").isSameAs("a");
        assertThat(model.slices(WEB).get(0).endpoints().get(0).forNodes().get(0)).as("hinted node names are shared").isSameAs("node1");
    }

    @Test
    void fqdnSlicesKeepNoEndpoints() {
        EndpointSlice fqdn = new EndpointSliceBuilder(TestObjects.slice("web", 80, "node1", "10.244.1.2")).withAddressType("FQDN").build();
        assertThat(SliceView.of(fqdn).family()).isNull();
        assertThat(SliceView.of(fqdn).endpoints()).isEmpty();
    }

    @Test
    void slicesAreReplacedByNameAndRemovedWithTheirServiceEntry() {
        ClusterModel model = new ClusterModel();
        EndpointSlice one = TestObjects.slice("web", 80, "node1", "10.244.1.2");
        EndpointSlice other = new EndpointSliceBuilder(TestObjects.slice("web", 80, "node2", "10.244.2.2")).editMetadata()
                .withName("web-2").endMetadata().build();
        model.putSlice(one);
        model.putSlice(other);
        model.putSlice(TestObjects.slice("web", 80, "node1", "10.244.1.2", "10.244.1.3"));
        assertThat(model.slices(WEB)).extracting(SliceView::name).containsExactlyInAnyOrder("web-1", "web-2");
        assertThat(model.slices(WEB)).filteredOn(v -> v.name().equals("web-1")).singleElement()
                .satisfies(v -> assertThat(v.endpoints()).hasSize(2));
        model.removeSlice(one);
        model.removeSlice(other);
        assertThat(model.slices(WEB)).isEmpty();
        assertThat(model.subset(List.of(WEB)).slices(WEB)).isEmpty();
    }

    @Test
    void aSliceWhoseServiceLabelChangesMovesToItsNewServiceAndBothChange() {
        ServiceRef api = new ServiceRef("default", "api");
        EndpointSlice slice = TestObjects.slice("web", 80, "node1", "10.244.1.2");
        EndpointSlice relabelled = new EndpointSliceBuilder(slice).editMetadata()
                .withLabels(Map.of(Annotations.LABEL_SERVICE_NAME, "api")).endMetadata().build();
        ClusterModel model = new ClusterModel();
        model.putSlice(slice);
        assertThat(model.putSlice(relabelled)).containsExactlyInAnyOrder(WEB, api);
        assertThat(model.slices(WEB)).isEmpty();
        assertThat(model.slices(api)).extracting(SliceView::name).containsExactly("web-1");
        // Its label removed: it belongs to no Service any more, and api loses it.
        EndpointSlice unlabelled = new EndpointSliceBuilder(slice).editMetadata().withLabels(Map.of()).endMetadata().build();
        assertThat(model.putSlice(unlabelled)).containsExactly(api);
        assertThat(model.slices(api)).isEmpty();
        assertThat(model.hasSlice("default/web-1")).isTrue();
        // Deleted while filed under api: the deletion leaves api's slices, whatever the deleted object's label says.
        model.putSlice(relabelled);
        assertThat(model.removeSlice(slice)).containsExactly(api);
        assertThat(model.slices(api)).isEmpty();
        assertThat(model.hasSlice("default/web-1")).isFalse();
    }

    @Test
    void aSliceWithoutItsServiceLabelBelongsToNoService() {
        EndpointSlice orphan = new EndpointSliceBuilder(TestObjects.slice("web", 80, "node1", "10.244.1.2")).editMetadata()
                .withLabels(Map.of()).endMetadata().build();
        ClusterModel model = new ClusterModel();
        assertThat(model.putSlice(orphan)).isEmpty();
        assertThat(model.slices(WEB)).isEmpty();
    }

    @Test
    void aSubsetSharesTheViewsOfTheGivenServicesOnly() {
        ClusterModel model = TestObjects.model(TestObjects.service("web", "10.96.0.10", 80, null), TestObjects.slice("web", 80, "n", "10.244.1.2"),
                TestObjects.service("db", "10.96.0.11", 5432, null));
        ClusterModel subset = model.subset(List.of(WEB));
        assertThat(subset.services()).containsExactly(WEB);
        assertThat(subset.service(WEB).orElseThrow()).isSameAs(model.service(WEB).orElseThrow());
        assertThat(subset.slices(WEB)).isSameAs(model.slices(WEB));
        assertThat(model.copy().services()).containsExactlyInAnyOrder(WEB, new ServiceRef("default", "db"));
    }

    private static Service versioned(Service s, String uid, String version) {
        return new ServiceBuilder(s).editMetadata().withUid(uid).withResourceVersion(version).endMetadata().build();
    }

    private static EndpointSlice versioned(EndpointSlice s, String version) {
        return new EndpointSliceBuilder(s).editMetadata().withUid("slice-uid").withResourceVersion(version).endMetadata().build();
    }

    @Test
    void holdsAServiceOfTheSameUidAndVersion() {
        ClusterModel model = new ClusterModel();
        Service web = TestObjects.service("web", "10.96.0.10", 80, null);
        model.putService(versioned(web, "a", "5"));
        assertThat(model.holds(versioned(web, "a", "5"))).isTrue();
        assertThat(model.holds(versioned(web, "a", "6"))).as("a newer version").isFalse();
        assertThat(model.holds(versioned(web, "b", "5"))).as("deleted and created again").isFalse();
        assertThat(model.holds(web)).as("no version: never the same").isFalse();
        model.removeService(web);
        assertThat(model.holds(versioned(web, "a", "5"))).as("removed").isFalse();
    }

    @Test
    void holdsASliceOfTheSameVersion() {
        ClusterModel model = new ClusterModel();
        EndpointSlice slice = TestObjects.slice("web", 8080, "node1", "10.244.1.2");
        model.putSlice(versioned(slice, "3"));
        assertThat(model.holds(versioned(slice, "3"))).isTrue();
        assertThat(model.holds(versioned(slice, "4"))).isFalse();
        model.removeSlice(slice);
        assertThat(model.holds(versioned(slice, "3"))).as("removed").isFalse();
    }

    @Test
    void knowsTheInformerKeysItWasToldOfInAnyVersionASliceNamingNoServiceToo() {
        ClusterModel model = new ClusterModel();
        model.putService(versioned(TestObjects.service("web", "10.96.0.10", 80, null), "a", "5"));
        EndpointSlice orphan = new EndpointSliceBuilder(TestObjects.slice("db", 80, "node1", "10.244.1.2")).editMetadata()
                .withName("db-1").withLabels(Map.of()).endMetadata().build();
        model.putSlice(orphan);
        assertThat(model.hasService("default/web")).isTrue();
        assertThat(model.hasService("default/db")).isFalse();
        assertThat(model.hasSlice("default/db-1")).as("kept in no Service's views, but told of").isTrue();
        model.removeSlice(orphan);
        assertThat(model.hasSlice("default/db-1")).isFalse();
    }
}
