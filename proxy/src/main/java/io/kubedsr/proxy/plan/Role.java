package io.kubedsr.proxy.plan;

/** Why a virtual server exists. */
public enum Role {
    CLUSTER_IP, NODE_PORT, EXTERNAL_IP, LOAD_BALANCER,
    /** The in-cluster path of an externalTrafficPolicy Local Service port ({@link ShortCircuit}). */
    SHORT_CIRCUIT;

    /** Whether clients outside the cluster reach it: NodePorts, external IPs, LoadBalancer IPs. */
    public boolean external() {
        return this == NODE_PORT || this == EXTERNAL_IP || this == LOAD_BALANCER;
    }
}
