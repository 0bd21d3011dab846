package io.kubedsr.e2e.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Subject;

/**
 * RBAC as the API server applies it, for a stand-in API server: bearer tokens name users (a service account's
 * user is {@code system:serviceaccount:NAMESPACE:NAME}), ClusterRoleBindings give users ClusterRoles, and a
 * request is allowed when one rule of one bound role matches its API group, resource, verb (and resourceNames
 * when the rule has any). Every authenticated user may read the discovery and version URLs (the API server's
 * system:discovery and system:public-info-viewer roles). An admin token is allowed everything.
 */
public final class RbacPolicy {
    /** The outcome for one request. */
    public record Decision(String user, ApiRequest request, boolean allowed) {
    }

    private final Map<String, String> usersByToken;
    private final String adminToken;
    private final List<ClusterRoleBinding> bindings;
    private final List<ClusterRole> roles;

    public RbacPolicy(Map<String, String> usersByToken, String adminToken, List<ClusterRole> roles,
            List<ClusterRoleBinding> bindings) {
        this.usersByToken = Map.copyOf(usersByToken);
        this.adminToken = adminToken;
        this.roles = List.copyOf(roles);
        this.bindings = List.copyOf(bindings);
    }

    /** The user of an {@code Authorization} header's bearer token; empty when there is none or it is unknown. */
    public Optional<String> authenticate(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return Optional.empty();
        }
        String token = authorization.substring("Bearer ".length()).trim();
        if (token.equals(adminToken)) {
            return Optional.of("admin");
        }
        return Optional.ofNullable(usersByToken.get(token));
    }

    public Decision authorize(String user, ApiRequest request) {
        if (user.equals("admin")) {
            return new Decision(user, request, true);
        }
        if (!request.isResource()) {
            return new Decision(user, request, request.verb().equals("get") && isDiscovery(request.path()));
        }
        for (ClusterRole role : rolesOf(user)) {
            for (PolicyRule rule : role.getRules()) {
                if (matches(rule, request)) {
                    return new Decision(user, request, true);
                }
            }
        }
        return new Decision(user, request, false);
    }

    private static boolean isDiscovery(String path) {
        return path.equals("/api") || path.startsWith("/api/") || path.equals("/apis") || path.startsWith("/apis/")
                || path.equals("/version") || path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")
                || path.startsWith("/openapi/");
    }

    private List<ClusterRole> rolesOf(String user) {
        List<ClusterRole> out = new ArrayList<>();
        for (ClusterRoleBinding b : bindings) {
            if (b.getSubjects() != null && b.getSubjects().stream().anyMatch(s -> names(s, user))) {
                roles.stream().filter(r -> r.getMetadata().getName().equals(b.getRoleRef().getName())).forEach(out::add);
            }
        }
        return out;
    }

    private static boolean names(Subject s, String user) {
        return switch (s.getKind()) {
            case "ServiceAccount" -> user.equals("system:serviceaccount:" + s.getNamespace() + ":" + s.getName());
            case "User" -> user.equals(s.getName());
            default -> false;
        };
    }

    private static boolean matches(PolicyRule rule, ApiRequest r) {
        return has(rule.getApiGroups(), r.apiGroup()) && has(rule.getResources(), r.resource()) && has(rule.getVerbs(), r.verb())
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                        || r.name() != null && rule.getResourceNames().contains(r.name()));
    }

    private static boolean has(List<String> values, String value) {
        return values != null && (values.contains("*") || values.contains(value));
    }
}
