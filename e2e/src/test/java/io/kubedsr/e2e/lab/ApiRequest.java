package io.kubedsr.e2e.lab;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What RBAC authorizes in one API request, derived from its method and path the way the API server does:
 * resource requests ({@code /api/v1/...}, {@code /apis/GROUP/VERSION/...}) have a verb, an API group, a
 * resource (with {@code /subresource}), a namespace and a name; everything else is a non-resource URL.
 *
 * <pre>
 * GET    .../services            list      (watch with ?watch=true or ?watch=1, or the old /watch/ prefix)
 * GET    .../services/NAME       get
 * POST   .../events              create
 * PUT    .../services/NAME       update
 * PATCH  .../services/NAME       patch
 * DELETE .../services/NAME       delete    (deletecollection without a name)
 * </pre>
 */
public record ApiRequest(String verb, String apiGroup, String resource, String namespace, String name, String path) {

    /** A non-resource URL ({@code /version}, {@code /apis} discovery): no group or resource. */
    public boolean isResource() {
        return resource != null;
    }

    public static ApiRequest parse(String method, String pathAndQuery) {
        URI uri = URI.create(pathAndQuery);
        String path = uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        List<String> parts = new ArrayList<>(Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList());
        String httpVerb = method.toUpperCase(java.util.Locale.ROOT);
        String group;
        if (parts.size() >= 2 && parts.get(0).equals("api")) {
            group = "";
            parts = parts.subList(2, parts.size());
        } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            parts = parts.subList(3, parts.size());
        } else {
            return new ApiRequest(httpVerb.toLowerCase(java.util.Locale.ROOT), null, null, null, null, path);
        }
        if (parts.isEmpty()) {
            // /api/v1 or /apis/GROUP/VERSION: discovery of a group version
            return new ApiRequest(httpVerb.toLowerCase(java.util.Locale.ROOT), null, null, null, null, path);
        }
        boolean watchPrefix = parts.get(0).equals("watch");
        if (watchPrefix) {
            parts = parts.subList(1, parts.size());
        }
        String namespace = null;
        if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
            namespace = parts.get(1);
            parts = parts.subList(2, parts.size());
        }
        String resource = parts.get(0);
        String name = parts.size() >= 2 ? parts.get(1) : null;
        if (resource.equals("namespaces") && name != null) {
            namespace = name;
        }
        if (parts.size() >= 3) {
            resource = resource + "/" + parts.get(2);
        }
        boolean watchParam = Arrays.stream(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
        String verb = switch (httpVerb) {
            case "GET", "HEAD" -> watchPrefix || watchParam ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> httpVerb.toLowerCase(java.util.Locale.ROOT);
        };
        return new ApiRequest(verb, group, resource, namespace, name, path);
    }

    /** As the API server words it in a 403: {@code list resource "nodes" in API group "" at the cluster scope}. */
    public String describe() {
        if (!isResource()) {
            return verb + " path \"" + path + "\"";
        }
        return verb + " resource \"" + resource + "\" in API group \"" + apiGroup + "\""
                + (namespace == null ? " at the cluster scope" : " in the namespace \"" + namespace + "\"");
    }
}
