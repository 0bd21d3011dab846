package io.kubedsr.e2e.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;

class RbacPolicyTest {
    private static final String SA = "system:serviceaccount:kube-system:kube-dsr";
    private static final ClusterRole ROLE = new ClusterRoleBuilder().withNewMetadata().withName("kube-dsr").endMetadata()
            .addNewRule().withApiGroups("").withResources("nodes").withVerbs("get", "watch").endRule()
            .addNewRule().withApiGroups("discovery.k8s.io").withResources("endpointslices").withVerbs("list").endRule()
            .addNewRule().withApiGroups("").withResources("configmaps").withResourceNames("one").withVerbs("get").endRule()
            .build();
    private static final ClusterRoleBinding BINDING = new ClusterRoleBindingBuilder().withNewMetadata().withName("kube-dsr")
            .endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("kube-dsr")
            .endRoleRef().addNewSubject().withKind("ServiceAccount").withNamespace("kube-system").withName("kube-dsr").endSubject()
            .build();
    private final RbacPolicy policy = new RbacPolicy(Map.of("sa-token", SA), "admin-token", List.of(ROLE), List.of(BINDING));

    private boolean allowed(String method, String path) {
        return policy.authorize(SA, ApiRequest.parse(method, path)).allowed();
    }

    @Test
    void tokensNameUsers() {
        assertThat(policy.authenticate("Bearer sa-token")).contains(SA);
        assertThat(policy.authenticate("Bearer admin-token")).contains("admin");
        assertThat(policy.authenticate("Bearer other")).isEmpty();
        assertThat(policy.authenticate(null)).isEmpty();
        assertThat(policy.authenticate("Basic c2E6c2E=")).isEmpty();
    }

    @Test
    void aBoundRoleAllowsExactlyItsVerbs() {
        assertThat(allowed("GET", "/api/v1/nodes/node1")).isTrue();
        assertThat(allowed("GET", "/api/v1/nodes?watch=true")).isTrue();
        assertThat(allowed("GET", "/api/v1/nodes")).as("list is not granted").isFalse();
        assertThat(allowed("GET", "/apis/discovery.k8s.io/v1/endpointslices")).isTrue();
        assertThat(allowed("GET", "/api/v1/endpointslices")).as("the group matters").isFalse();
        assertThat(allowed("POST", "/api/v1/namespaces/default/events")).isFalse();
    }

    @Test
    void resourceNamesLimitARule() {
        assertThat(allowed("GET", "/api/v1/namespaces/default/configmaps/one")).isTrue();
        assertThat(allowed("GET", "/api/v1/namespaces/default/configmaps/two")).isFalse();
        assertThat(allowed("GET", "/api/v1/namespaces/default/configmaps")).isFalse();
    }

    @Test
    void anUnboundUserGetsNothingButDiscovery() {
        String other = "system:serviceaccount:default:other";
        assertThat(policy.authorize(other, ApiRequest.parse("GET", "/api/v1/nodes/node1")).allowed()).isFalse();
        assertThat(policy.authorize(other, ApiRequest.parse("GET", "/version")).allowed()).isTrue();
        assertThat(policy.authorize(other, ApiRequest.parse("POST", "/version")).allowed()).isFalse();
        assertThat(policy.authorize("admin", ApiRequest.parse("DELETE", "/api/v1/nodes/node1")).allowed()).isTrue();
    }
}
