package io.kubedsr.proxy.plan;

/** Why a virtual server exists. */
public enum Role {
    CLUSTER_IP, NODE_PORT, EXTERNAL_IP, LOAD_BALANCER
}
