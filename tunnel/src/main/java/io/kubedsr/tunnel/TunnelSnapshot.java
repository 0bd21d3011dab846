package io.kubedsr.tunnel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.kubedsr.netlink.route.Link;

/**
 * What one full overlay sync knows of the kernel's tunnels: every link by name from one dump taken at its start,
 * and the GUE ports from one dump taken when first needed, both kept current with what the sync writes through
 * {@link NodeTunnels}. It replaces a GET per tunnel (and a port dump per GUE tunnel) with two dumps per sync.
 * <p>
 * Links the sync deletes may stay listed: they are removed later by name, and a name already gone is no error.
 * Links it creates are recorded, so a second Node object with the same address finds its tunnel.
 */
public final class TunnelSnapshot {
    private final Map<String, Link> links = new HashMap<>();
    private final Set<String> created = new HashSet<>();
    private final Supplier<List<FouPort>> readPorts;
    private Set<FouPort> ports;

    TunnelSnapshot(List<Link> dump, Supplier<List<FouPort>> readPorts) {
        for (Link l : dump) {
            links.put(l.name(), l);
        }
        this.readPorts = readPorts;
    }

    /** The link of that name, as dumped or as this sync last wrote it. */
    Optional<Link> link(String name) {
        return Optional.ofNullable(links.get(name));
    }

    void wrote(Link link) {
        links.put(link.name(), link);
    }

    /** Links created in one batch by this sync, as a dump after it reports them. */
    void created(Collection<String> names, List<Link> dump) {
        for (Link l : dump) {
            if (names.contains(l.name())) {
                links.put(l.name(), l);
                created.add(l.name());
            }
        }
    }

    /** Whether this sync created the link in a batch (its ensure then reports it as created, not unchanged). */
    boolean wasCreated(String name) {
        return created.contains(name);
    }

    /** The tunnel links of ours (by {@link TunnelNames#isOurs}). */
    List<Link> ours() {
        List<Link> out = new ArrayList<>();
        for (Link l : links.values()) {
            if (TunnelNames.isOurs(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** The open GUE ports (one dump, the first time). */
    Set<FouPort> ports() {
        if (ports == null) {
            ports = new HashSet<>(readPorts.get());
        }
        return ports;
    }

    void opened(FouPort port) {
        ports().add(port);
    }

    void closed(FouPort port) {
        ports().remove(port);
    }
}
