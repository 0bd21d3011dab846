package io.kubedsr.ipvs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.kubedsr.netlink.BatchResult;
import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.NetlinkProtocol;
import io.kubedsr.netlink.NetlinkRequest;
import io.kubedsr.netlink.genl.GenericNetlink;
import io.kubedsr.netlink.genl.GenlFamily;

/**
 * IPVS over generic netlink, for the network namespace its connection lives in. Single writes throw
 * {@link IpvsException}; {@link #apply} pipelines many operations and returns their failures. Not thread-safe.
 */
public final class IpvsClient implements IpvsTable, AutoCloseable {
    /** Operations encoded per round of {@link #apply}: a few of the connection's 256-message datagrams. */
    private static final int ENCODE_CHUNK = 1024;
    private final NetlinkConnection connection;
    private final int familyId;

    /**
     * Resolves the IPVS family on the connection. A kernel without IPVS throws a {@link NetlinkException}
     * whose {@code isNotFound()} is true.
     */
    public IpvsClient(NetlinkConnection connection) {
        if (connection.socket().protocol() != NetlinkProtocol.GENERIC) {
            throw new IllegalArgumentException("IPVS needs a NETLINK_GENERIC connection");
        }
        this.connection = connection;
        GenlFamily family = GenericNetlink.resolveFamily(connection, IpvsConstants.FAMILY_NAME);
        this.familyId = family.id();
    }

    /** Opens a connection in the calling thread's network namespace. */
    public static IpvsClient open() {
        NetlinkConnection c = NetlinkConnection.open(NetlinkProtocol.GENERIC);
        try {
            return new IpvsClient(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public int familyId() {
        return familyId;
    }

    public NetlinkConnection connection() {
        return connection;
    }

    private List<NetlinkMessage> execute(IpvsOperation op) {
        return execute(op.encode(familyId), op.onRealServer());
    }

    private List<NetlinkMessage> execute(NetlinkRequest request, boolean onRealServer) {
        try {
            return connection.execute(request);
        } catch (IpvsException e) {
            throw e;
        } catch (NetlinkException e) {
            throw new IpvsException(e, onRealServer);
        }
    }

    // ---- virtual servers ----

    public void addVirtualServer(VirtualServer vs) {
        execute(new IpvsOperation.AddVirtualServer(vs));
    }

    public void editVirtualServer(VirtualServer vs) {
        execute(new IpvsOperation.EditVirtualServer(vs));
    }

    public void deleteVirtualServer(VirtualServerKey key) {
        execute(new IpvsOperation.DeleteVirtualServer(key));
    }

    public Optional<VirtualServerStatus> virtualServer(VirtualServerKey key) {
        try {
            List<NetlinkMessage> replies = execute(IpvsRequests.getVirtualServer(familyId, key), false);
            return replies.isEmpty() ? Optional.empty() : Optional.of(IpvsDecoders.virtualServer(replies.get(0)));
        } catch (IpvsException e) {
            if (e.isVirtualServerNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public List<VirtualServerStatus> virtualServers() {
        List<VirtualServerStatus> out = new ArrayList<>();
        for (NetlinkMessage m : connection.dump(IpvsRequests.dumpVirtualServers(familyId))) {
            out.add(IpvsDecoders.virtualServer(m));
        }
        return out;
    }

    // ---- real servers ----

    public void addRealServer(VirtualServerKey service, RealServer rs) {
        execute(new IpvsOperation.AddRealServer(service, rs));
    }

    public void editRealServer(VirtualServerKey service, RealServer rs) {
        execute(new IpvsOperation.EditRealServer(service, rs));
    }

    public void deleteRealServer(VirtualServerKey service, RealServerKey rs) {
        execute(new IpvsOperation.DeleteRealServer(service, rs));
    }

    /** The real servers of a virtual server; a missing virtual server throws VIRTUAL_SERVER_NOT_FOUND. */
    @Override
    public List<RealServerStatus> realServers(VirtualServerKey service) {
        List<NetlinkMessage> replies;
        try {
            replies = connection.dump(IpvsRequests.dumpRealServers(familyId, service));
        } catch (NetlinkException e) {
            throw new IpvsException(e, false);
        }
        if (replies.isEmpty() && virtualServer(service).isEmpty()) {
            // The kernel answers a dump for a missing service with an empty dump, not an error.
            throw new IpvsException(new NetlinkException("dump real servers of " + service, Errno.ESRCH), false);
        }
        List<RealServerStatus> out = new ArrayList<>(replies.size());
        for (NetlinkMessage m : replies) {
            out.add(IpvsDecoders.realServer(m, service.family()));
        }
        return out;
    }

    // ---- bulk ----

    /**
     * Applies many operations with pipelining (hundreds per datagram), in order. Every operation is attempted;
     * the failures come back typed and indexed. ENOBUFS (lost ACKs) throws: the outcome is then unknown.
     */
    @Override
    public List<IpvsFailure> apply(List<? extends IpvsOperation> operations) {
        List<IpvsFailure> failures = new ArrayList<>();
        // Encoded a chunk at a time: a full sync's 110,000 encoded requests at once would be tens of MB of heap.
        for (int start = 0; start < operations.size(); start += ENCODE_CHUNK) {
            int end = Math.min(operations.size(), start + ENCODE_CHUNK);
            List<NetlinkRequest> requests = new ArrayList<>(end - start);
            for (IpvsOperation op : operations.subList(start, end)) {
                requests.add(op.encode(familyId));
            }
            for (BatchResult.Failure f : connection.executeBatch(requests).failures()) {
                int index = start + f.index();
                IpvsOperation op = operations.get(index);
                failures.add(new IpvsFailure(index, op, new IpvsException(f.error(), op.onRealServer())));
            }
        }
        return failures;
    }

    // ---- global ----

    @Override
    public IpvsTimeouts timeouts() {
        List<NetlinkMessage> replies = execute(IpvsRequests.getTimeouts(familyId), false);
        if (replies.isEmpty()) {
            throw new NetlinkDecodeException("no reply to IPVS_CMD_GET_CONFIG");
        }
        return IpvsDecoders.timeouts(replies.get(0));
    }

    /** Sets the global timeouts; a 0 leaves that timeout unchanged (the kernel's rule). */
    @Override
    public void setTimeouts(IpvsTimeouts timeouts) {
        execute(IpvsRequests.setTimeouts(familyId, timeouts), false);
    }

    public IpvsInfo info() {
        List<NetlinkMessage> replies = execute(IpvsRequests.getInfo(familyId), false);
        if (replies.isEmpty()) {
            throw new NetlinkDecodeException("no reply to IPVS_CMD_GET_INFO");
        }
        return IpvsDecoders.info(replies.get(0));
    }

    /** Removes every virtual server of this namespace, ours or not: for tests and tools, never the agent. */
    public void flush() {
        execute(IpvsRequests.flush(familyId), false);
    }

    public void zeroCounters() {
        execute(IpvsRequests.zero(familyId), false);
    }

    @Override
    public void close() {
        connection.close();
    }
}
