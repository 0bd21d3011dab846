package io.kubedsr.proxy.kernel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.proxy.dsr.SloppyScheduling;

/**
 * {@code net.ipv4.vs.sloppy_tcp} and {@code sloppy_sctp}, on while a DSR virtual server is scheduled by mh.
 * <p>
 * IPVS creates a connection only for a TCP SYN (an SCTP INIT); any other packet without a connection entry goes
 * on to the node's own stack, which answers a DSR address's packet with a reset. When the network moves an
 * established connection to another node, that node has never seen its start: with the sloppy sysctls IPVS
 * schedules the packet anyway, and mh sends it to the pod the first node chose. Both are per network namespace.
 * <p>
 * They are written only when they differ. When no such virtual server is left, the values found are put back, but
 * only if this agent changed them: values found already on (by an operator, or by this agent before a restart) are
 * left on, since nothing tells whose they are. A write that fails is logged and tried again at the next call.
 */
public final class SloppySysctls implements SloppyScheduling {
    private static final Logger LOG = LoggerFactory.getLogger(SloppySysctls.class);
    static final List<String> KEYS = List.of("net/ipv4/vs/sloppy_tcp", "net/ipv4/vs/sloppy_sctp");

    private final Sysctls sysctls;
    /** The values this agent found before it turned them on; empty while it has not. */
    private final Map<String, String> found = new LinkedHashMap<>();

    public SloppySysctls(Sysctls sysctls) {
        this.sysctls = sysctls;
    }

    /** Turns them on ({@code wanted}) or restores what this agent found; returns the number of writes. */
    @Override
    public int require(boolean wanted) {
        int writes = 0;
        for (String key : KEYS) {
            try {
                if (wanted) {
                    String now = sysctls.read(key);
                    if (!"1".equals(now)) {
                        sysctls.write(key, "1");
                        found.putIfAbsent(key, now);
                        writes++;
                        LOG.info("set {}=1 (was {}): a DSR Service uses mh, and a connection the network moves to this node "
                                + "must be scheduled mid-stream", key, now);
                    }
                } else if (found.containsKey(key)) {
                    String before = found.get(key);
                    if (!before.equals(sysctls.read(key))) {
                        sysctls.write(key, before);
                        writes++;
                        LOG.info("set {}={} again: no DSR Service uses mh any more", key, before);
                    }
                    found.remove(key);
                }
            } catch (RuntimeException e) {
                LOG.warn("sysctl {} not {}: {}", key, wanted ? "turned on" : "restored", e.getMessage());
            }
        }
        return writes;
    }
}
