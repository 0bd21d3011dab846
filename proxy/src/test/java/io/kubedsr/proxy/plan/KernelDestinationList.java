package io.kubedsr.proxy.plan;

import java.util.ArrayList;
import java.util.List;

import io.kubedsr.ipvs.IpvsOperation;
import io.kubedsr.ipvs.IpvsStats;
import io.kubedsr.ipvs.RealServer;
import io.kubedsr.ipvs.RealServerStatus;
import io.kubedsr.ipvs.VirtualServerKey;

/**
 * A model of one virtual server's list of real servers as the kernel keeps it: NEWDEST links at the head, DELDEST
 * unlinks, EDITDEST changes in place, and the dump lists head first. MaglevRealKernelTest checks the same histories
 * against the real kernel's dump.
 */
final class KernelDestinationList {
    private final VirtualServerKey service;
    private final List<RealServer> list = new ArrayList<>();

    KernelDestinationList(VirtualServerKey service) {
        this.service = service;
    }

    /** Applies this virtual server's real-server writes in order; an add of a present one or a missing edit fails, as the kernel's. */
    void apply(List<IpvsOperation> operations) {
        for (IpvsOperation op : operations) {
            if (op instanceof IpvsOperation.AddRealServer a && a.service().equals(service)) {
                if (indexOf(a.server()) >= 0) {
                    throw new IllegalStateException("EEXIST: " + a);
                }
                list.add(0, a.server());
            } else if (op instanceof IpvsOperation.EditRealServer e && e.service().equals(service)) {
                int i = indexOf(e.server());
                if (i < 0) {
                    throw new IllegalStateException("ENOENT: " + e);
                }
                list.set(i, e.server());
            } else if (op instanceof IpvsOperation.DeleteRealServer d && d.service().equals(service)) {
                int i = -1;
                for (int k = 0; k < list.size(); k++) {
                    if (list.get(k).key().equals(d.server())) {
                        i = k;
                    }
                }
                if (i < 0) {
                    throw new IllegalStateException("ENOENT: " + d);
                }
                list.remove(i);
            }
        }
    }

    private int indexOf(RealServer rs) {
        for (int k = 0; k < list.size(); k++) {
            if (list.get(k).key().equals(rs.key())) {
                return k;
            }
        }
        return -1;
    }

    /** Head first, with connection counts (as a dump gives them; counts are 0 here). */
    List<RealServerStatus> dump() {
        List<RealServerStatus> out = new ArrayList<>();
        for (RealServer rs : list) {
            out.add(new RealServerStatus(rs, 0, 0, 0, IpvsStats.ZERO));
        }
        return out;
    }

    List<RealServer> servers() {
        return List.copyOf(list);
    }
}
