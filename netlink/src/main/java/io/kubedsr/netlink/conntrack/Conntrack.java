package io.kubedsr.netlink.conntrack;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.NetlinkRequest;

/**
 * The conntrack table of one network namespace over ctnetlink (NETLINK_NETFILTER). Dumps entries and deletes
 * selected ones by their original tuple. Not thread-safe, like its connection.
 */
public final class Conntrack implements AutoCloseable {
    private final NetlinkConnection connection;

    public Conntrack(NetlinkConnection connection) {
        if (connection.socket().protocol() != NetlinkProtocol.NETFILTER) {
            throw new IllegalArgumentException("conntrack needs a NETLINK_NETFILTER socket");
        }
        this.connection = connection;
    }

    /** Opens a socket in the calling thread's network namespace. */
    public static Conntrack open() {
        return new Conntrack(NetlinkConnection.open(NetlinkProtocol.NETFILTER));
    }

    public NetlinkConnection connection() {
        return connection;
    }

    public List<ConntrackEntry> entries(AddressFamily family) {
        List<ConntrackEntry> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(ConntrackRequests.dump(family))) {
            out.add(ConntrackRequests.decode(m));
        }
        return out;
    }

    /**
     * Deletes the entries of the family that match, in one pipelined batch; returns how many went. An entry that
     * expired between the dump and the delete (ENOENT) is not counted and is no error.
     */
    public int delete(AddressFamily family, Predicate<ConntrackEntry> match) {
        List<NetlinkRequest> requests = new ArrayList<>();
        for (ConntrackEntry e : entries(family)) {
            if (match.test(e)) {
                requests.add(ConntrackRequests.delete(e));
            }
        }
        if (requests.isEmpty()) {
            return 0;
        }
        BatchResult result = connection.executeBatch(requests);
        int deleted = requests.size();
        for (BatchResult.Failure f : result.failures()) {
            if (!f.error().isNotFound()) {
                throw f.error();
            }
            deleted--;
        }
        return deleted;
    }

    @Override
    public void close() {
        connection.close();
    }
}
