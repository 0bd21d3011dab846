package io.kubedsr.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Request/response over one {@link NetlinkSocket}: fills sequence and port id, sends, reads every reply up to
 * the ACK or {@code NLMSG_DONE}, validates sequence and port id, and turns {@code NLMSG_ERROR} into
 * {@link NetlinkException}. Because it always reads up to the end of a request's replies, the next request
 * never sees a stale reply. Not thread-safe: confine a connection to one thread (the kernel executor).
 */
public final class NetlinkConnection implements AutoCloseable {
    /** Requests packed into one datagram by {@link #executeBatch}; their ACKs must fit the receive buffer. */
    /** Requests packed into one datagram by {@link #executeBatch}. */
    public static final int BATCH_MESSAGES = 256;
    private static final int BATCH_BYTES = 64 * 1024;
    private static final int RECEIVE_BUFFER = 256 * 1024;
    private static final int SOCKET_RECEIVE_BUFFER = 4 * 1024 * 1024;
    private static final int DUMP_ATTEMPTS = 5;

    private final NetlinkSocket socket;
    private ByteBuffer sendBuffer = ByteBuffer.allocateDirect(BATCH_BYTES).order(ByteOrder.nativeOrder());
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER).order(ByteOrder.nativeOrder());
    private int lastSequence;
    private long requestsSent;

    public NetlinkConnection(NetlinkSocket socket) {
        this.socket = socket;
        try {
            socket.setReceiveBufferSize(SOCKET_RECEIVE_BUFFER);
        } catch (NetlinkException e) {
            // Unprivileged: the default buffer still holds one batch of ACKs.
        }
    }

    /** Opens a socket of the protocol in the calling thread's network namespace. */
    public static NetlinkConnection open(NetlinkProtocol protocol) {
        return new NetlinkConnection(NetlinkSocket.open(protocol));
    }

    public NetlinkSocket socket() {
        return socket;
    }

    /** Number of request messages sent so far (for tests and metrics: "how many kernel operations"). */
    public long requestsSent() {
        return requestsSent;
    }

    /**
     * Sends a request with NLM_F_ACK and returns the replies that precede the ACK (none for most writes, the
     * object for a GET). A kernel error throws {@link NetlinkException}.
     */
    public List<NetlinkMessage> execute(NetlinkRequest request) {
        if (request.isDump()) {
            throw new IllegalArgumentException("use dump() for " + request.description());
        }
        int seq = nextSequence();
        write(request, 0, seq, NetlinkFlags.NLM_F_ACK);
        socket.send(sendBuffer, request.length());
        requestsSent++;
        return awaitReplies(seq, false, request.description()).messages;
    }

    /**
     * Sends a dump request and returns every message up to NLMSG_DONE. A dump the kernel marks inconsistent
     * (NLM_F_DUMP_INTR: the table changed meanwhile) is repeated, up to five times.
     */
    public List<NetlinkMessage> dump(NetlinkRequest request) {
        if (!request.isDump()) {
            throw new IllegalArgumentException("not a dump request: " + request.description());
        }
        for (int attempt = 1; ; attempt++) {
            int seq = nextSequence();
            write(request, 0, seq, 0);
            socket.send(sendBuffer, request.length());
            requestsSent++;
            Replies replies = awaitReplies(seq, true, request.description());
            if (!replies.interrupted) {
                return replies.messages;
            }
            if (attempt == DUMP_ATTEMPTS) {
                throw new NetlinkException(request.description() + ": dump interrupted " + attempt + " times",
                        Errno.EINTR);
            }
        }
    }

    /**
     * Pipelines many write requests: packs up to {@value #BATCH_MESSAGES} of them into one datagram, each with
     * NLM_F_ACK, and then reads their ACKs. The kernel processes every message of a datagram even when an
     * earlier one fails, so one failure does not stop the batch; failures are returned, not thrown.
     * ENOBUFS (lost ACKs) throws, because the outcome of some requests is then unknown.
     */
    public BatchResult executeBatch(List<NetlinkRequest> requests) {
        List<BatchResult.Failure> failures = new ArrayList<>();
        int index = 0;
        while (index < requests.size()) {
            int chunkStart = index;
            int bytes = 0;
            int firstSeq = lastSequence + 1;
            while (index < requests.size() && index - chunkStart < BATCH_MESSAGES) {
                NetlinkRequest r = requests.get(index);
                if (r.isDump()) {
                    throw new IllegalArgumentException("dump in a batch: " + r.description());
                }
                if (bytes > 0 && bytes + r.length() > BATCH_BYTES) {
                    break;
                }
                ensureSendCapacity(bytes + r.length());
                write(r, bytes, nextSequence(), NetlinkFlags.NLM_F_ACK);
                bytes += r.length();
                index++;
            }
            socket.send(sendBuffer, bytes);
            requestsSent += index - chunkStart;
            collectAcks(requests, chunkStart, index - chunkStart, firstSeq, failures);
        }
        return new BatchResult(requests.size(), failures);
    }

    private void collectAcks(List<NetlinkRequest> requests, int chunkStart, int count, int firstSeq,
            List<BatchResult.Failure> failures) {
        boolean[] seen = new boolean[count];
        int pending = count;
        while (pending > 0) {
            int n = socket.receive(receiveBuffer);
            for (NetlinkMessage m : NetlinkMessage.parseAll(receiveBuffer, n)) {
                checkPort(m);
                int offset = m.sequence() - firstSeq;
                if (offset < 0) {
                    continue; // a stale reply to an abandoned earlier request
                }
                if (offset >= count) {
                    throw new NetlinkDecodeException("reply with sequence " + Integer.toUnsignedString(m.sequence())
                            + " beyond the batch " + firstSeq + ".." + (firstSeq + count - 1));
                }
                if (m.type() == NetlinkFlags.NLMSG_OVERRUN) {
                    throw new NetlinkException("batch: NLMSG_OVERRUN", Errno.ENOBUFS);
                }
                if (!m.isError() || seen[offset]) {
                    continue; // an echo or other reply preceding the ACK
                }
                seen[offset] = true;
                pending--;
                NetlinkRequest r = requests.get(chunkStart + offset);
                NetlinkException error = errorOf(r.description(), m);
                if (error != null) {
                    failures.add(new BatchResult.Failure(chunkStart + offset, r, error));
                }
            }
        }
    }

    private static final class Replies {
        final List<NetlinkMessage> messages = new ArrayList<>();
        boolean interrupted;
    }

    private Replies awaitReplies(int seq, boolean dump, String operation) {
        Replies replies = new Replies();
        while (true) {
            int n = socket.receive(receiveBuffer);
            for (NetlinkMessage m : NetlinkMessage.parseAll(receiveBuffer, n)) {
                checkPort(m);
                if (m.sequence() != seq) {
                    if (Integer.compareUnsigned(m.sequence(), seq) < 0) {
                        continue; // a stale reply to an abandoned earlier request
                    }
                    throw new NetlinkDecodeException(operation + ": reply with sequence "
                            + Integer.toUnsignedString(m.sequence()) + ", expected " + Integer.toUnsignedString(seq));
                }
                if ((m.flags() & NetlinkFlags.NLM_F_DUMP_INTR) != 0) {
                    replies.interrupted = true;
                }
                switch (m.type()) {
                    case NetlinkFlags.NLMSG_ERROR -> {
                        NetlinkException error = errorOf(operation, m);
                        if (error != null) {
                            throw error;
                        }
                        if (!dump) {
                            return replies;
                        }
                    }
                    case NetlinkFlags.NLMSG_DONE -> {
                        // NLMSG_DONE carries the dump's final status as an int.
                        if (m.payload().length >= 4) {
                            int status = m.payloadBuffer().getInt(0);
                            if (status < 0) {
                                throw new NetlinkException(operation, status, extendedAckMessage(m, 4), -1);
                            }
                        }
                        return replies;
                    }
                    case NetlinkFlags.NLMSG_OVERRUN -> throw new NetlinkException(operation + ": NLMSG_OVERRUN",
                            Errno.ENOBUFS);
                    case NetlinkFlags.NLMSG_NOOP -> {
                    }
                    default -> replies.messages.add(m);
                }
            }
        }
    }

    private void checkPort(NetlinkMessage m) {
        if (m.portId() != socket.portId() && m.portId() != 0) {
            throw new NetlinkDecodeException("reply for port " + Integer.toUnsignedString(m.portId())
                    + " on socket with port " + Integer.toUnsignedString(socket.portId()));
        }
    }

    /** The exception an NLMSG_ERROR carries, or null for an ACK (error 0). */
    static NetlinkException errorOf(String operation, NetlinkMessage m) {
        if (m.payload().length < 4) {
            throw new NetlinkDecodeException(operation + ": NLMSG_ERROR of " + m.payload().length + " bytes");
        }
        ByteBuffer p = m.payloadBuffer();
        int error = p.getInt(0);
        if (error == 0) {
            return null;
        }
        String message = null;
        int offset = -1;
        if ((m.flags() & NetlinkFlags.NLM_F_ACK_TLVS) != 0 && m.payload().length >= 20) {
            // struct nlmsgerr { int error; struct nlmsghdr msg; } then the echoed payload unless capped.
            int echoed = (m.flags() & NetlinkFlags.NLM_F_CAPPED) != 0 ? NetlinkFlags.HEADER_LENGTH
                    : NetlinkFlags.align(p.getInt(4));
            int start = 4 + echoed;
            if (start >= 4 && start <= m.payload().length) {
                Attributes tlvs = Attributes.parse(m.payload(), start, m.payload().length - start);
                message = tlvs.string(NetlinkFlags.NLMSGERR_ATTR_MSG);
                Long off = tlvs.u32(NetlinkFlags.NLMSGERR_ATTR_OFFS);
                offset = off == null ? -1 : off.intValue();
            }
        }
        return new NetlinkException(operation, error, message, offset);
    }

    private static String extendedAckMessage(NetlinkMessage m, int start) {
        if ((m.flags() & NetlinkFlags.NLM_F_ACK_TLVS) == 0 || m.payload().length <= start) {
            return null;
        }
        return Attributes.parse(m.payload(), start, m.payload().length - start).string(NetlinkFlags.NLMSGERR_ATTR_MSG);
    }

    private int nextSequence() {
        lastSequence++;
        if (lastSequence == 0) {
            lastSequence = 1;
        }
        return lastSequence;
    }

    private void ensureSendCapacity(int bytes) {
        if (bytes > sendBuffer.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Integer.highestOneBit(bytes) << 1).order(ByteOrder.nativeOrder());
            bigger.put(0, sendBuffer, 0, sendBuffer.capacity());
            sendBuffer = bigger;
        }
    }

    private void write(NetlinkRequest request, int at, int seq, int extraFlags) {
        ensureSendCapacity(at + request.length());
        sendBuffer.put(at, request.bytes());
        sendBuffer.putShort(at + 6, (short) (request.flags() | extraFlags));
        sendBuffer.putInt(at + 8, seq);
        sendBuffer.putInt(at + 12, socket.portId());
    }

    @Override
    public void close() {
        socket.close();
    }
}
