package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.model.Problem;
import io.kubedsr.proxy.model.ServiceRef;
import io.kubedsr.proxy.model.ServiceView;

/**
 * The IP families a Service has ({@code spec.ipFamilies}, else those of its cluster IPs) and what follows from them,
 * as in kube-proxy, which programs a Service once per family it has: its NodePorts are served only on this node's
 * addresses of those families, and an external or LoadBalancer IP of another family is not served (IPVS cannot
 * masquerade from one family to the other, and a virtual server of a family without endpoints would only answer
 * "unreachable"). An external IP of another family is a problem: a user wrote it. A LoadBalancer ingress IP of
 * another family is left out silently, as kube-proxy does: a proxying load balancer may translate families.
 */
final class ServiceFamilies {
    private ServiceFamilies() {
    }

    static Set<AddressFamily> of(ServiceView service) {
        EnumSet<AddressFamily> out = EnumSet.noneOf(AddressFamily.class);
        for (String f : service.ipFamilies()) {
            if ("IPv4".equals(f)) {
                out.add(AddressFamily.INET);
            } else if ("IPv6".equals(f)) {
                out.add(AddressFamily.INET6);
            }
        }
        if (out.isEmpty()) {
            List<String> ips = !service.clusterIps().isEmpty() ? service.clusterIps()
                    : service.clusterIp() == null ? List.of() : List.of(service.clusterIp());
            for (String ip : ips) {
                try {
                    out.add(AddressFamily.of(IpPrefix.parseAddress(ip)));
                } catch (IllegalArgumentException ignored) {
                    // "None" or garbage: the planner reports the cluster IPs itself
                }
            }
        }
        return out.isEmpty() ? EnumSet.of(AddressFamily.INET, AddressFamily.INET6) : out;
    }

    /** The addresses of the families. */
    static List<InetAddress> only(Set<AddressFamily> families, List<InetAddress> addresses) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (families.contains(AddressFamily.of(a))) {
                out.add(a);
            }
        }
        return out;
    }

    /** The external IPs of the families; each other one is a problem. */
    static List<InetAddress> externalIps(ServiceRef ref, Set<AddressFamily> families, List<InetAddress> ips,
            List<Problem> problems) {
        for (InetAddress a : ips) {
            if (!families.contains(AddressFamily.of(a))) {
                problems.add(new Problem(ref, "ExternalIPRefused", "externalIP " + IpPrefix.format(a) + " is "
                        + name(AddressFamily.of(a)) + " but the Service has no " + name(AddressFamily.of(a))
                        + " cluster IP (spec.ipFamilies); not served"));
            }
        }
        return only(families, ips);
    }

    /** The LoadBalancer IPs of the families. */
    static List<InetAddress> loadBalancerIps(Set<AddressFamily> families, List<InetAddress> ips) {
        return only(families, ips);
    }

    private static String name(AddressFamily f) {
        return f == AddressFamily.INET ? "IPv4" : "IPv6";
    }
}
