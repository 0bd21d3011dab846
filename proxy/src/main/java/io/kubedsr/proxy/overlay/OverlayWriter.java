package io.kubedsr.proxy.overlay;

import java.util.Collection;
import java.util.Map;

import io.fabric8.kubernetes.api.model.Node;

/** What the overlay's sync loop writes through, on the kernel thread: {@link OverlayEngine} is the real one. */
public interface OverlayWriter {
    /** Plans every node ({@code self} is this node's name), applies the plans and removes orphans. */
    OverlaySyncResult fullSync(String self, Collection<Node> nodes);

    /** Re-plans only the named nodes ({@code current} holds those that exist) and writes what differs. */
    OverlaySyncResult syncNodes(Collection<String> changed, Map<String, Node> current);
}
