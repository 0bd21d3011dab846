package io.kubedsr.proxy.kernel;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;

/**
 * The sysctls kube-router sets for an IPVS proxy, written only when they differ:
 * <ul>
 * <li>{@code net.ipv4.vs.conntrack=1}: keep conntrack entries for IPVS connections; without it the nftables
 * masquerade rule never sees IPVS-forwarded connections (proven in the VM tests);</li>
 * <li>{@code net.ipv4.vs.expire_nodest_conn=1}: drop connections to a deleted real server at once instead of
 * letting clients hang;</li>
 * <li>{@code net.ipv4.vs.expire_quiescent_template=1}: persistence templates of a weight-0 (draining) real
 * server expire, so session affinity does not keep sending new connections to it;</li>
 * <li>{@code net.ipv4.conf.all.arp_ignore=1} and {@code arp_announce=2}: the VIPs on kube-dummy-if must not
 * be answered or announced on the node's real interfaces.</li>
 * </ul>
 */
public final class IpvsSysctls {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsSysctls.class);
    public static final Map<String, String> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("net/ipv4/vs/conntrack", "1");
        VALUES.put("net/ipv4/vs/expire_nodest_conn", "1");
        VALUES.put("net/ipv4/vs/expire_quiescent_template", "1");
        VALUES.put("net/ipv4/conf/all/arp_ignore", "1");
        VALUES.put("net/ipv4/conf/all/arp_announce", "2");
    }

    private IpvsSysctls() {
    }

    /**
     * Sets them in {@code ns} through {@code dir} (--sysctl-dir); returns the number changed. A failure is logged and
     * the rest still applied.
     */
    public static int apply(NetworkNamespace ns, SysctlDirectory dir) {
        int changed = 0;
        for (Map.Entry<String, String> e : VALUES.entrySet()) {
            try {
                if (!e.getValue().equals(ns.readSysctl(dir, e.getKey()))) {
                    ns.writeSysctl(dir, e.getKey(), e.getValue());
                    changed++;
                }
            } catch (RuntimeException ex) {
                LOG.warn("sysctl {}={} not applied: {}", e.getKey(), e.getValue(), ex.getMessage());
            }
        }
        return changed;
    }
}
