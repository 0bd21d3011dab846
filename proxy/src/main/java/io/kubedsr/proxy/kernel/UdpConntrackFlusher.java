package io.kubedsr.proxy.kernel;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.conntrack.Conntrack;
import io.kubedsr.netlink.conntrack.ConntrackEntry;
import io.kubedsr.netlink.conntrack.CtConstants;
import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.proxy.plan.DrainKey;

/**
 * Graceful termination for UDP: a removed UDP real server goes at once, and the conntrack entries that still
 * send its clients to it are deleted, only those. With net.ipv4.vs.conntrack=1 IPVS keeps a conntrack entry per
 * flow whose original destination is the virtual server (VIP:port) and whose reply source is the real server
 * (RIP:port); an entry is deleted when both match. kube-router flushes every entry of the VIP instead, which
 * also cuts the flows to the real servers that stay. Runs on the kernel thread, after the IPVS write.
 */
public final class UdpConntrackFlusher implements UdpConntrack, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UdpConntrackFlusher.class);
    private final Conntrack conntrack;

    public UdpConntrackFlusher(Conntrack conntrack) {
        this.conntrack = conntrack;
    }

    /**
     * Opens ctnetlink in the namespace (null: the calling thread's); without it (no nf_conntrack_netlink) UDP real
     * servers are still removed, their flows just keep going to them until the entries expire: logged, null returned.
     */
    public static UdpConntrackFlusher open(NetworkNamespace namespace) {
        try {
            return new UdpConntrackFlusher(namespace != null
                    ? new Conntrack(namespace.openConnection(NetlinkProtocol.NETFILTER))
                    : Conntrack.open());
        } catch (NetlinkException e) {
            LOG.warn("conntrack netlink unavailable ({}): entries of removed UDP real servers will not be flushed", e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        conntrack.close();
    }

    /** Deletes the entries of the removed real servers, one dump per address family; returns how many went. */
    @Override
    public int flush(Collection<DrainKey> removed) {
        int deleted = 0;
        for (AddressFamily family : List.of(AddressFamily.INET, AddressFamily.INET6)) {
            List<DrainKey> keys = new ArrayList<>();
            for (DrainKey k : removed) {
                if (k.service() instanceof VirtualServerKey.ByAddress a && a.family() == family) {
                    keys.add(k);
                }
            }
            if (keys.isEmpty()) {
                continue;
            }
            try {
                int n = conntrack.delete(family, e -> keys.stream().anyMatch(k -> matches(e, k)));
                deleted += n;
                LOG.info("conntrack flushed entries={} removed_udp_real_servers={} family={}", n, keys.size(), family);
            } catch (NetlinkException e) {
                LOG.warn("conntrack flush failed for removed UDP real servers={} ({}): their clients may keep "
                        + "sending to them until the entries time out", keys, e.getMessage());
            }
        }
        return deleted;
    }

    /** The entry of a flow from a client through the virtual server to this real server. */
    static boolean matches(ConntrackEntry e, DrainKey k) {
        VirtualServerKey.ByAddress vs = (VirtualServerKey.ByAddress) k.service();
        InetAddress rip = k.realServer().address();
        return e.original().protocol() == CtConstants.IPPROTO_UDP && e.original().destination().equals(vs.address())
                && e.original().destinationPort() == vs.port() && e.reply().source().equals(rip)
                && e.reply().sourcePort() == k.realServer().port();
    }
}
