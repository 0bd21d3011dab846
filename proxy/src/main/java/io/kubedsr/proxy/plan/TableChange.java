package io.kubedsr.proxy.plan;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.proxy.model.Problem;

/**
 * What an update of the {@link ServiceTable} touched, so a sync writes only that: the virtual servers whose
 * claims changed (their winner or its content may differ), the VIPs whose wanted-ness may have changed, whether
 * DSR state (marks, rules, receivers) or the nftables table must be looked at, and the problems found (the
 * Services' own, and conflicts). Filled by the table; read by the engine.
 */
public final class TableChange {
    private final Set<VirtualServerKey> keys = new HashSet<>();
    private final Set<InetAddress> vips = new HashSet<>();
    private final List<Problem> problems = new ArrayList<>();
    private boolean dsr;
    private boolean nft;

    /** Adds what another update touched (a sync of several Services). */
    public void absorb(TableChange other) {
        keys.addAll(other.keys);
        vips.addAll(other.vips);
        problems.addAll(other.problems);
        dsr |= other.dsr;
        nft |= other.nft;
    }

    void touch(VirtualServerKey key) {
        keys.add(key);
    }

    void touchVips(Set<InetAddress> some) {
        vips.addAll(some);
    }

    void problem(Problem p) {
        problems.add(p);
    }

    void problems(List<Problem> some) {
        problems.addAll(some);
    }

    void dsrChanged() {
        dsr = true;
    }

    void nftChanged() {
        nft = true;
    }

    public Set<VirtualServerKey> keys() {
        return keys;
    }

    public Set<InetAddress> vips() {
        return vips;
    }

    public List<Problem> problems() {
        return problems;
    }

    public boolean dsr() {
        return dsr;
    }

    public boolean nft() {
        return nft;
    }
}
