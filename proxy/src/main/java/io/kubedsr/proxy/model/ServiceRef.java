package io.kubedsr.proxy.model;

/** A Service by namespace and name. */
public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {
    @Override
    public int compareTo(ServiceRef o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    // equals and hashCode written out: a record's generated ones dispatch through invokedynamic method handles,
    // several times slower until the JIT has compiled them, and a first full sync runs that cold (docs/performance.md).
    @Override
    public boolean equals(Object o) {
        return o instanceof ServiceRef r && name.equals(r.name) && namespace.equals(r.namespace);
    }

    @Override
    public int hashCode() {
        return namespace.hashCode() * 31 + name.hashCode();
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
