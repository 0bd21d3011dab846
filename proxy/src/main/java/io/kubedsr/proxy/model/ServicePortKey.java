package io.kubedsr.proxy.model;

import io.kubedsr.ipvs.Protocol;

/** One port of a Service: what a set of virtual servers is planned for. */
public record ServicePortKey(ServiceRef service, String portName, Protocol protocol) implements Comparable<ServicePortKey> {
    @Override
    public int compareTo(ServicePortKey o) {
        int c = service.compareTo(o.service);
        if (c != 0) {
            return c;
        }
        c = portName.compareTo(o.portName);
        return c != 0 ? c : protocol.compareTo(o.protocol);
    }

    // equals and hashCode written out, as ServiceRef's.
    @Override
    public boolean equals(Object o) {
        return o instanceof ServicePortKey k && protocol == k.protocol && portName.equals(k.portName) && service.equals(k.service);
    }

    @Override
    public int hashCode() {
        return (service.hashCode() * 31 + portName.hashCode()) * 31 + protocol.hashCode();
    }

    @Override
    public String toString() {
        return service + ":" + (portName.isEmpty() ? "-" : portName) + "/" + protocol;
    }
}
