package io.kubedsr.proxy.plan;

import java.util.List;
import java.util.Map;

import io.kubedsr.proxy.model.Annotations;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.tunnel.Encapsulation;

/**
 * Reads a Service's DSR request: {@code kube-router.io/service.dsr: tunnel} (kube-router's only value) and
 * the encapsulation, {@code kube-dsr.io/service.dsr-encap: ipip|gue}, defaulting to the node's
 * {@code --overlay-encap}; GUE goes to {@code --overlay-encap-port} either way. An invalid value is a problem; the Service is then served without DSR, or with the
 * default encapsulation.
 */
final class DsrAnnotations {
    private DsrAnnotations() {
    }

    /** The encapsulation to use, or null when the Service does not ask for DSR (or asks wrongly). */
    static Encapsulation requested(ServiceRef ref, Map<String, String> annotations, Encapsulation nodeDefault, int guePort,
            List<Problem> problems) {
        String dsr = annotations.get(Annotations.DSR);
        if (dsr == null) {
            return null;
        }
        if (!"tunnel".equals(dsr.trim())) {
            problems.add(new Problem(ref, "InvalidAnnotation", Annotations.DSR + ": '" + dsr
                    + "' is not 'tunnel' (the only DSR mode); served without DSR"));
            return null;
        }
        String encap = annotations.get(Annotations.DSR_ENCAP);
        if (encap == null || encap.isBlank()) {
            return nodeDefault;
        }
        try {
            return Encapsulation.parse(encap, guePort);
        } catch (IllegalArgumentException e) {
            problems.add(new Problem(ref, "InvalidAnnotation", Annotations.DSR_ENCAP + ": " + e.getMessage() + "; using "
                    + nodeDefault));
            return nodeDefault;
        }
    }
}
