package io.kubedsr.proxy.plan;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerKey;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServerKey;

/**
 * The order of an mh virtual server's real servers in the kernel, and the writes that restore it.
 * <p>
 * ip_vs_mh fills its lookup table by walking the virtual server's list of real servers, each in turn taking its
 * next preferred free slot, so the same real servers in another order make another table (measured on 6.1:
 * {@code MaglevRealKernelTest}). NEWDEST links a new real server at the head of that list (__ip_vs_update_dest),
 * and the dump lists it head first. A node that added its real servers in another order than its peers (a new
 * node adds them all at once, an old one one by one as the pods came) would therefore send some connections
 * elsewhere than they do.
 * <p>
 * The canonical order, head first, is descending by address then port: what adding them in ascending order builds
 * in an empty list. Afterwards, the real servers out of place are deleted and added again, adjacent writes in one
 * batch: a deleted real server waits in the kernel's trash and comes back as the same object, so its connections
 * carry on (only a packet arriving between the two writes finds it unavailable).
 */
public final class MaglevOrder {
    private MaglevOrder() {
    }

    /** Ascending: the order to add real servers in; address length, address bytes (unsigned), then port. */
    static final Comparator<RealServerKey> ADD_ORDER = (a, b) -> {
        byte[] x = a.address().getAddress();
        byte[] y = b.address().getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        int c = java.util.Arrays.compareUnsigned(x, y);
        return c != 0 ? c : Integer.compare(a.port(), b.port());
    };

    /** Real servers in the order to add them to an empty list. */
    static List<RealServer> inAddOrder(Collection<RealServer> reals) {
        List<RealServer> list = new ArrayList<>(reals);
        list.sort((a, b) -> ADD_ORDER.compare(a.key(), b.key()));
        return list;
    }

    /**
     * Puts one virtual server's real-server writes in an order that leaves the kernel's list canonical, adding the
     * delete-and-add pairs of the real servers out of place. {@code kernel} is the list now (head first),
     * {@code writes} the adds and edits the diff found, {@code deletes} its deletes (they change no one's place and
     * are issued after). A real server re-added while draining is added with {@link ServicePlanner#ENDPOINT_WEIGHT}
     * and set to weight 0 right after: ip_vs_mh fills its table from each real server's last non-zero weight
     * ({@code dest->last_weight}), which an add of weight 0 would set to 0, taking its slots away on this node only.
     */
    static List<IpvsOperation> inOrder(VirtualServerKey service, List<RealServerStatus> kernel, List<IpvsOperation> writes,
            List<IpvsOperation> deletes, boolean orderKnown) {
        Map<RealServerKey, RealServer> finalConfig = new HashMap<>();
        for (RealServerStatus s : kernel) {
            finalConfig.put(s.server().key(), s.server());
        }
        List<RealServerKey> added = new ArrayList<>();
        for (IpvsOperation op : writes) {
            if (op instanceof IpvsOperation.AddRealServer a) {
                finalConfig.put(a.server().key(), a.server());
                added.add(a.server().key());
            } else if (op instanceof IpvsOperation.EditRealServer e) {
                finalConfig.put(e.server().key(), e.server());
            }
        }
        Set<RealServerKey> deleted = new HashSet<>();
        for (IpvsOperation op : deletes) {
            deleted.add(((IpvsOperation.DeleteRealServer) op).server());
        }
        List<RealServerKey> staying = new ArrayList<>();
        for (RealServerStatus s : kernel) {
            if (!deleted.contains(s.server().key())) {
                staying.add(s.server().key());
            }
        }
        Rewrite rewrite = rewrite(staying, added, orderKnown);
        List<IpvsOperation> out = new ArrayList<>();
        for (IpvsOperation op : writes) {
            if (op instanceof IpvsOperation.EditRealServer e && !rewrite.moved().contains(e.server().key())) {
                out.add(op);
            }
        }
        for (RealServerKey k : rewrite.adds()) {
            RealServer rs = finalConfig.get(k);
            if (rewrite.moved().contains(k)) {
                out.add(new IpvsOperation.DeleteRealServer(service, k));
            }
            if (rs.weight() == 0) {
                out.add(new IpvsOperation.AddRealServer(service, rs.withWeight(ServicePlanner.ENDPOINT_WEIGHT)));
                out.add(new IpvsOperation.EditRealServer(service, rs));
            } else {
                out.add(new IpvsOperation.AddRealServer(service, rs));
            }
        }
        return out;
    }

    /** Real servers in canonical order, head first: what the kernel lists after a plan (the realized cache's order). */
    public static List<RealServerStatus> kernelOrderOf(Collection<RealServerStatus> reals) {
        List<RealServerStatus> list = new ArrayList<>(reals);
        list.sort((a, b) -> ADD_ORDER.compare(b.server().key(), a.server().key()));
        return list;
    }

    /** The canonical list, head first as the kernel lists it. */
    static List<RealServerKey> kernelOrder(Collection<RealServerKey> keys) {
        List<RealServerKey> out = new ArrayList<>(keys);
        out.sort(ADD_ORDER.reversed());
        return out;
    }

    /**
     * The writes that make a list canonical: {@code adds}, the real servers to add in this order (each added at the
     * head), of which {@code moved} are already in the list and must be deleted just before they are added again.
     */
    record Rewrite(List<RealServerKey> adds, Set<RealServerKey> moved) {
    }

    /**
     * The rewrite of a list that holds {@code staying} (head first; those it keeps), to which {@code added} come. The
     * real servers left alone are the longest tail of the canonical list that {@code staying} already holds in that
     * order; everything before it is added, from the tail end forwards. With {@code orderKnown} false the list's
     * order is not known (it was not kept as canonical before): everything is rewritten.
     */
    static Rewrite rewrite(List<RealServerKey> staying, Collection<RealServerKey> added, boolean orderKnown) {
        Set<RealServerKey> all = new HashSet<>(staying);
        all.addAll(added);
        List<RealServerKey> target = kernelOrder(all);
        int i = target.size() - 1;
        if (orderKnown) {
            for (int j = staying.size() - 1; i >= 0 && j >= 0; j--) {
                if (target.get(i).equals(staying.get(j))) {
                    i--;
                }
            }
        }
        List<RealServerKey> adds = new ArrayList<>();
        Set<RealServerKey> moved = new HashSet<>();
        Set<RealServerKey> present = new HashSet<>(staying);
        for (int k = i; k >= 0; k--) {
            RealServerKey key = target.get(k);
            adds.add(key);
            if (present.contains(key)) {
                moved.add(key);
            }
        }
        return new Rewrite(adds, moved);
    }
}
