package io.kubedsr.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiRequestTest {
    @Test
    void anInformersListAndWatchOfACoreResourceInEveryNamespace() {
        assertThat(ApiRequest.parse("GET", "/api/v1/services?resourceVersion=0"))
                .isEqualTo(new ApiRequest("list", "", "services", null, null, "/api/v1/services"));
        assertThat(ApiRequest.parse("GET", "/api/v1/services?allowWatchBookmarks=true&resourceVersion=7&watch=true").verb())
                .isEqualTo("watch");
        assertThat(ApiRequest.parse("GET", "/api/v1/watch/nodes").verb()).isEqualTo("watch");
    }

    @Test
    void aGroupedResourceAndANamespace() {
        ApiRequest r = ApiRequest.parse("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?watch=1");
        assertThat(r).isEqualTo(new ApiRequest("watch", "discovery.k8s.io", "endpointslices", "default", null,
                "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"));
        assertThat(r.describe()).isEqualTo("watch resource \"endpointslices\" in API group \"discovery.k8s.io\" in the namespace \"default\"");
    }

    @Test
    void verbsFollowTheMethodAndTheName() {
        assertThat(ApiRequest.parse("GET", "/api/v1/nodes/node1").verb()).isEqualTo("get");
        assertThat(ApiRequest.parse("POST", "/api/v1/namespaces/default/events").verb()).isEqualTo("create");
        assertThat(ApiRequest.parse("PUT", "/api/v1/namespaces/default/services/web").verb()).isEqualTo("update");
        assertThat(ApiRequest.parse("PATCH", "/api/v1/namespaces/default/events/x").verb()).isEqualTo("patch");
        assertThat(ApiRequest.parse("DELETE", "/api/v1/namespaces/default/pods/p").verb()).isEqualTo("delete");
        assertThat(ApiRequest.parse("DELETE", "/api/v1/namespaces/default/pods").verb()).isEqualTo("deletecollection");
    }

    @Test
    void subresourcesAndNamespacesThemselves() {
        assertThat(ApiRequest.parse("PUT", "/api/v1/namespaces/default/services/web/status").resource()).isEqualTo("services/status");
        ApiRequest ns = ApiRequest.parse("GET", "/api/v1/namespaces/kube-system");
        assertThat(ns.resource()).isEqualTo("namespaces");
        assertThat(ns.name()).isEqualTo("kube-system");
        assertThat(ns.verb()).isEqualTo("get");
    }

    @Test
    void discoveryAndVersionAreNotResources() {
        assertThat(ApiRequest.parse("GET", "/version").isResource()).isFalse();
        assertThat(ApiRequest.parse("GET", "/apis").isResource()).isFalse();
        assertThat(ApiRequest.parse("GET", "/apis/discovery.k8s.io/v1").isResource()).isFalse();
        assertThat(ApiRequest.parse("GET", "/api/v1").isResource()).isFalse();
    }
}
