package io.kubedsr.ipvs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.kubedsr.netlink.Errno;
import io.kubedsr.netlink.NetlinkConnection;
import io.kubedsr.netlink.NetlinkException;

/**
 * An in-memory IPVS table that answers as the kernel does (IpvsTableContract runs the same cases against
 * it and against the kernel): EEXIST, ESRCH and ENOENT where ip_vs_ctl.c returns them, mixed-family real
 * servers only in tunnel mode, real servers listed newest first and edited in place, timeouts with the kernel's
 * defaults. Tests may make a scheduler unavailable (as a module that cannot be loaded is), refuse chosen
 * operations with an errno, make a batch's acknowledgements overflow the socket (ENOBUFS), and set connection
 * counts.
 */
public final class FakeIpvsTable implements IpvsTable {
    private final Map<VirtualServerKey, VirtualServer> services = new LinkedHashMap<>();
    private final Map<VirtualServerKey, Map<RealServerKey, RealServerStatus>> dests = new LinkedHashMap<>();
    private final Set<String> unavailableSchedulers = new HashSet<>();
    private final List<Refusal> refusals = new ArrayList<>();
    private IpvsTimeouts timeouts = new IpvsTimeouts(900, 120, 300);
    private long writes;
    private long dumps;
    private RuntimeException nextApplyThrows;
    private boolean acknowledgementsOverflow;

    /** A few ACKs fit a receive buffer of the kernel's minimum (SOCK_MIN_RCVBUF, about 4.5 KiB). */
    private static final int ACKNOWLEDGEMENTS_THAT_FIT = 2;

    private record Refusal(Predicate<IpvsOperation> matches, Errno errno) {
    }

    /** Loading {@code ip_vs_<name>} fails from now on: adding a service with it gets ENOENT. */
    public FakeIpvsTable withoutScheduler(String name) {
        unavailableSchedulers.add(name);
        return this;
    }

    /** Every later operation that matches is refused with this errno (until {@link #clearRefusals}). */
    public FakeIpvsTable refuse(Predicate<IpvsOperation> matches, Errno errno) {
        refusals.add(new Refusal(matches, errno));
        return this;
    }

    public void clearRefusals() {
        refusals.clear();
    }

    /** The next {@link #apply} throws this before writing anything (e.g. ENOBUFS: the outcome is unknown). */
    public void throwOnNextApply(RuntimeException e) {
        nextApplyThrows = e;
    }

    /** Loading {@code ip_vs_<name>} works again (the module was installed). */
    public FakeIpvsTable withScheduler(String name) {
        unavailableSchedulers.remove(name);
        return this;
    }

    /**
     * From now on ({@code true}) a batch's acknowledgements overflow the socket's receive buffer, as when it is far too
     * small: the kernel has done the writes of the batch's first datagram ({@link NetlinkConnection#BATCH_MESSAGES}
     * operations) when its ACKs are lost, the rest are never sent, and the call throws ENOBUFS.
     */
    public void overflowAcknowledgements(boolean overflow) {
        acknowledgementsOverflow = overflow;
    }

    /** Sets a real server's connection counts, as traffic would. */
    public void setConnections(VirtualServerKey service, RealServerKey server, int active, int inactive) {
        RealServerStatus s = dests.get(service).get(server);
        dests.get(service).put(server, new RealServerStatus(s.server(), active, inactive, 0, IpvsStats.ZERO));
    }

    /** Write operations attempted so far (each element of an apply). */
    public long writes() {
        return writes;
    }

    /** Dump requests answered so far (virtual servers and real servers). */
    public long dumps() {
        return dumps;
    }

    @Override
    public List<VirtualServerStatus> virtualServers() {
        dumps++;
        List<VirtualServerStatus> out = new ArrayList<>();
        services.values().forEach(vs -> out.add(new VirtualServerStatus(decoded(vs), IpvsStats.ZERO)));
        return out;
    }

    @Override
    public List<RealServerStatus> realServers(VirtualServerKey service) {
        dumps++;
        Map<RealServerKey, RealServerStatus> d = dests.get(service);
        if (d == null) {
            throw error("dump real servers of " + service, Errno.ESRCH, false);
        }
        // The kernel links a new real server at the head of the virtual server's list and dumps from the head.
        List<RealServerStatus> out = new ArrayList<>();
        d.values().forEach(s -> out.add(new RealServerStatus(decoded(s.server()), s.activeConnections(), s.inactiveConnections(),
                s.persistentConnections(), s.stats())));
        java.util.Collections.reverse(out);
        return out;
    }

    /** A dump decodes new objects, equal to what was written but never the same instances (as from the kernel). */
    private static VirtualServer decoded(VirtualServer vs) {
        return new VirtualServer(vs.key(), vs.scheduler(), Set.copyOf(vs.flags()), vs.timeoutSeconds(), vs.netmaskPrefix());
    }

    private static RealServer decoded(RealServer rs) {
        try {
            return new RealServer(InetAddress.getByAddress(rs.address().getAddress()), rs.port(), rs.forwarding(), rs.weight(),
                    rs.upperThreshold(), rs.lowerThreshold());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public List<IpvsFailure> apply(List<? extends IpvsOperation> operations) {
        if (nextApplyThrows != null) {
            RuntimeException e = nextApplyThrows;
            nextApplyThrows = null;
            throw e;
        }
        List<IpvsFailure> failures = new ArrayList<>();
        int done = acknowledgementsOverflow ? Math.min(operations.size(), NetlinkConnection.BATCH_MESSAGES) : operations.size();
        for (int i = 0; i < done; i++) {
            IpvsOperation op = operations.get(i);
            writes++;
            try {
                execute(op);
            } catch (IpvsException e) {
                failures.add(new IpvsFailure(i, op, e));
            }
        }
        if (acknowledgementsOverflow && operations.size() > ACKNOWLEDGEMENTS_THAT_FIT) {
            throw new NetlinkException("batch: acknowledgements lost", Errno.ENOBUFS);
        }
        return failures;
    }

    private void execute(IpvsOperation op) {
        for (Refusal r : refusals) {
            if (r.matches().test(op)) {
                throw error(op.toString(), r.errno(), op.onRealServer());
            }
        }
        if (op instanceof IpvsOperation.AddVirtualServer a) {
            VirtualServerKey key = a.server().key();
            if (services.containsKey(key)) {
                throw error("add " + key, Errno.EEXIST, false);
            }
            checkScheduler(a.server());
            services.put(key, a.server());
            dests.put(key, new LinkedHashMap<>());
        } else if (op instanceof IpvsOperation.EditVirtualServer e) {
            VirtualServerKey key = e.server().key();
            if (!services.containsKey(key)) {
                throw error("edit " + key, Errno.ESRCH, false);
            }
            checkScheduler(e.server());
            services.put(key, e.server());
        } else if (op instanceof IpvsOperation.DeleteVirtualServer d) {
            if (services.remove(d.key()) == null) {
                throw error("delete " + d.key(), Errno.ESRCH, false);
            }
            dests.remove(d.key());
        } else if (op instanceof IpvsOperation.AddRealServer a) {
            Map<RealServerKey, RealServerStatus> d = destsOf(a.service(), "add real server");
            if (d.containsKey(a.server().key())) {
                throw error("add real server " + a.server(), Errno.EEXIST, true);
            }
            checkFamily(a.service(), a.server());
            d.put(a.server().key(), new RealServerStatus(a.server(), 0, 0, 0, IpvsStats.ZERO));
        } else if (op instanceof IpvsOperation.EditRealServer e) {
            Map<RealServerKey, RealServerStatus> d = destsOf(e.service(), "edit real server");
            RealServerStatus before = d.get(e.server().key());
            if (before == null) {
                throw error("edit real server " + e.server(), Errno.ENOENT, true);
            }
            checkFamily(e.service(), e.server());
            d.put(e.server().key(), new RealServerStatus(e.server(), before.activeConnections(), before.inactiveConnections(),
                    before.persistentConnections(), IpvsStats.ZERO));
        } else if (op instanceof IpvsOperation.DeleteRealServer r) {
            Map<RealServerKey, RealServerStatus> d = destsOf(r.service(), "delete real server");
            if (d.remove(r.server()) == null) {
                throw error("delete real server " + r.server(), Errno.ENOENT, true);
            }
        }
    }

    private Map<RealServerKey, RealServerStatus> destsOf(VirtualServerKey service, String what) {
        Map<RealServerKey, RealServerStatus> d = dests.get(service);
        if (d == null) {
            throw error(what + " of " + service, Errno.ESRCH, true);
        }
        return d;
    }

    /** ip_vs_ctl.c: only tunnel mode may forward to a real server of the other family (EINVAL otherwise). */
    private void checkFamily(VirtualServerKey service, RealServer server) {
        if (server.family() != service.family() && !(server.forwarding() instanceof Forwarding.Tunnel)) {
            throw error("real server " + server + " of the other family", Errno.EINVAL, true);
        }
    }

    /** The kernel loads ip_vs_NAME on demand; a scheduler it cannot find is ENOENT. */
    private void checkScheduler(VirtualServer vs) {
        if (unavailableSchedulers.contains(vs.scheduler().name()) || !Scheduler.KNOWN.contains(vs.scheduler())) {
            throw error("scheduler " + vs.scheduler().name(), Errno.ENOENT, false);
        }
    }

    @Override
    public IpvsTimeouts timeouts() {
        return timeouts;
    }

    @Override
    public void setTimeouts(IpvsTimeouts t) {
        timeouts = new IpvsTimeouts(t.tcp() == 0 ? timeouts.tcp() : t.tcp(), t.tcpFin() == 0 ? timeouts.tcpFin() : t.tcpFin(),
                t.udp() == 0 ? timeouts.udp() : t.udp());
    }

    private static IpvsException error(String what, Errno errno, boolean realServerCommand) {
        return new IpvsException(new NetlinkException(what, errno), realServerCommand);
    }
}
