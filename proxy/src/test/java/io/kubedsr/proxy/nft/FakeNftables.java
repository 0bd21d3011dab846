package io.kubedsr.proxy.nft;

import java.util.Map;

import io.kubedsr.ipvs.VirtualServerKey;

/**
 * An in-memory kube-dsr nftables table that behaves as {@link NftTable} on a kernel does (NftablesContract runs the
 * same cases against both): it holds the last script applied, writes only when the table differs from what the
 * "kernel" holds (so a restarted agent with the same table writes nothing), and reads the DSR marks back from it.
 * Several instances may share one {@link Kernel} (an agent and its successor). It cannot judge nft's grammar:
 * tests make it refuse with {@link Kernel#refuseNext}.
 */
public final class FakeNftables implements Nftables {
    /** What the namespace's nftables holds: kube-dsr's table as last applied, or none. */
    public static final class Kernel {
        private String table;
        private String refusal;
        private int writes;

        /** The next apply fails as nft does when it refuses a script. */
        public void refuseNext(String message) {
            refusal = message;
        }

        public String table() {
            return table;
        }

        public int writes() {
            return writes;
        }
    }

    private final Kernel kernel;
    private String applied;

    public FakeNftables(Kernel kernel) {
        this.kernel = kernel;
    }

    public FakeNftables() {
        this(new Kernel());
    }

    public Kernel kernel() {
        return kernel;
    }

    @Override
    public boolean apply(String script) {
        if (script.equals(applied)) {
            return false;
        }
        if (applied == null && kernel.table != null && NftRules.digestOf(script) != null
                && NftRules.digestOf(script).equals(NftRules.digestOf(kernel.table))) {
            applied = script; // a restart: the kernel holds this table already
            return false;
        }
        if (kernel.refusal != null) {
            String m = kernel.refusal;
            kernel.refusal = null;
            throw new IllegalStateException("nft refused the kube-dsr table: " + m);
        }
        kernel.table = script;
        kernel.writes++;
        applied = script;
        return true;
    }

    @Override
    public Map<VirtualServerKey.ByAddress, Integer> dsrMarks() {
        return marksOfMaps("dsr");
    }

    @Override
    public Map<VirtualServerKey.ByAddress, Integer> shortCircuitMarks() {
        return marksOfMaps("short");
    }

    /** The elements of the maps {@code <prefix>4} and {@code <prefix>6} of the script the "kernel" holds. */
    private Map<VirtualServerKey.ByAddress, Integer> marksOfMaps(String prefix) {
        if (kernel.table == null) {
            return Map.of();
        }
        StringBuilder maps = new StringBuilder();
        for (String name : new String[] {prefix + "4", prefix + "6"}) {
            int start = kernel.table.indexOf("  map " + name + " {");
            if (start >= 0) {
                maps.append(kernel.table, start, kernel.table.indexOf("  }", start)).append('\n');
            }
        }
        return NftRules.marksOf(maps.toString());
    }

    @Override
    public void delete() {
        if (kernel.table != null) {
            kernel.writes++;
        }
        kernel.table = null;
        applied = null;
    }
}
