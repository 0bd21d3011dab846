package io.kubedsr.proxy.overlay;

import java.util.List;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;

/** Node objects for overlay tests: a name, "Type=address" entries, pod CIDRs (spec.podCIDRs). */
public final class Nodes {
    private Nodes() {
    }

    public static Node node(String name, List<String> addresses, List<String> podCidrs) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withPodCIDRs(podCidrs).withPodCIDR(podCidrs.isEmpty() ? null : podCidrs.get(0)).endSpec();
        Node n = b.withNewStatus().endStatus().build();
        for (String a : addresses) {
            String[] typeAndAddress = a.split("=", 2);
            n.getStatus().getAddresses().add(new NodeAddress(typeAndAddress[1], typeAndAddress[0]));
        }
        return n;
    }

    public static Node node(String name, String internalIp, String... podCidrs) {
        return node(name, List.of("InternalIP=" + internalIp), List.of(podCidrs));
    }
}
