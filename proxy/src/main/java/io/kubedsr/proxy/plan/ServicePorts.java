package io.kubedsr.proxy.plan;

import io.kubedsr.ipvs.Protocol;

/** Port numbers as the planner checks them: a Service, NodePort or endpoint port is 1..65535 or is refused. */
final class ServicePorts {
    private ServicePorts() {
    }

    static boolean valid(Integer port) {
        return port != null && port >= 1 && port <= 65535;
    }

    /** "port http/TCP", or "port TCP" for an unnamed one: how problems name a Service port. */
    static String describe(String name, Protocol protocol) {
        return "port " + (name.isEmpty() ? "" : name + "/") + protocol.name();
    }

    /** What is wrong with a port number that is not {@link #valid}. */
    static String what(Integer port) {
        return port == null ? "no port number" : "port number " + port + ", outside 1..65535";
    }
}
