package io.kubedsr.e2e.lab;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The mock API server's CRUD dispatcher behind authentication and RBAC: a request without a known bearer token
 * is refused with 401, one the {@link RbacPolicy} does not allow with 403 and a Status body worded as the API
 * server words it; the others are served as before (lists, watches, creates). Every decision is kept.
 */
public final class RbacDispatcher extends KubernetesCrudDispatcher {
    private volatile RbacPolicy policy;
    private final List<RbacPolicy.Decision> decisions = new CopyOnWriteArrayList<>();

    public RbacDispatcher(RbacPolicy policy) {
        this.policy = policy;
    }

    /** From now on, decides with {@code newPolicy} (a ClusterRole applied again, with other rules). */
    public void replacePolicy(RbacPolicy newPolicy) {
        policy = newPolicy;
    }

    /** Every authorization decision so far, in order. */
    public List<RbacPolicy.Decision> decisions() {
        return List.copyOf(decisions);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        ApiRequest api = ApiRequest.parse(request.getMethod(), request.getPath());
        var user = policy.authenticate(request.getHeader("Authorization"));
        if (user.isEmpty()) {
            return status(401, "Unauthorized", "Unauthorized");
        }
        RbacPolicy.Decision d = policy.authorize(user.get(), api);
        decisions.add(d);
        if (!d.allowed()) {
            String what = api.isResource() ? api.resource() + (api.name() == null ? "" : " \"" + api.name() + "\"") : api.path();
            return status(403, "Forbidden", what + " is forbidden: User \"" + user.get() + "\" cannot " + api.describe());
        }
        return super.dispatch(request);
    }

    private static MockResponse status(int code, String reason, String message) {
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }
}
