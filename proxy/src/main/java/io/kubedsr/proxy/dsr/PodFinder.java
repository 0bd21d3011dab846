package io.kubedsr.proxy.dsr;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where {@link DsrPods} finds a pod's network namespace by its IP: {@link PodNamespaces} on a node; a test may stand
 * between the finding and the use (a pod deleted in between, as a kubelet may delete it at any moment).
 */
public interface PodFinder {
    /** The namespace holding {@code podIp}, if exactly one pod's does. */
    Optional<PodNamespaces.PodNamespace> find(InetAddress podIp);

    /** How many namespaces held the pod IP at the last look, when more than one did and none could be chosen. */
    int holders(InetAddress podIp);

    /** Forgets a pod IP (its pod is gone or changed). */
    void invalidate(InetAddress podIp);

    /** Every pod namespace of the node, one each. */
    List<PodNamespaces.PodNamespace> allNamespaces();

    /** How many entries its caches hold, by name. */
    void cacheSizes(Map<String, Integer> out);
}
