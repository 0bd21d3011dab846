package io.kubedsr.proxy.nft;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * Applies a rendered table with {@code nft -f -} (one atomic transaction) in a namespace, and only when the
 * text differs from what it applied last. nft runs as a child of a thread that entered the namespace through
 * its open file descriptor (a child process starts in its parent thread's network namespace), so no path is
 * resolved again after the namespace was checked. Runs on the kernel thread.
 */
public final class NftTable implements Nftables {
    private final NetworkNamespace namespace;
    private final String table;
    private String applied;
    /** A listing found no table and nothing was applied since: the restart check can be skipped. */
    private boolean knownAbsent;

    /** kube-dsr's service table ({@link NftRules#TABLE}); {@code namespace} null: the agent's own. */
    public NftTable(NetworkNamespace namespace) {
        this(namespace, NftRules.TABLE);
    }

    /** The {@code inet} table {@code table} in {@code namespace} (null: the agent's own). */
    public NftTable(NetworkNamespace namespace, String table) {
        this.namespace = namespace;
        this.table = table;
    }

    @Override
    public boolean apply(String script) {
        if (script.equals(applied)) {
            return false;
        }
        if (applied == null && !knownAbsent && script.contains("comment")) {
            // First use (a restart): the kernel may already hold exactly this table. Terse (-t): the comment
            // without the sets' elements, which nft prints slowly (10,000 services: ~1 s natively, 24 s in the VM).
            String current = run(List.of("nft", "-t", "list", "table", "inet", table), null, true);
            if (current != null && NftRules.digestOf(script).equals(NftRules.digestOf(current))) {
                applied = script;
                return false;
            }
        }
        knownAbsent = false;
        run(List.of("nft", "-f", "-"), script, false);
        applied = script;
        return true;
    }

    /**
     * The DSR mark maps {@code dsr4} and {@code dsr6} as the kernel holds them now ({@code nft list map}), or null
     * when there is no table. Only the maps: the service sets would make the listing slow.
     */
    public String dsrMapListing() {
        String listing = mapListing("dsr");
        if (listing == null) {
            knownAbsent = applied == null; // dsr4 is in every table kube-dsr writes: there is none
        }
        return listing;
    }

    /** The maps {@code <prefix>4} and {@code <prefix>6} as the kernel holds them now, or null when there is no table. */
    private String mapListing(String prefix) {
        // Both maps are in every table kube-dsr writes: without the IPv4 one there is no table (a fresh node), or
        // one written by a version without these maps.
        String v4 = run(List.of("nft", "list", "map", "inet", table, prefix + "4"), null, true);
        if (v4 == null) {
            return null;
        }
        String v6 = run(List.of("nft", "list", "map", "inet", table, prefix + "6"), null, true);
        return v6 == null ? v4 : v4 + "\n" + v6;
    }

    /**
     * The GUE ports the kernel's table lists now (its {@code gue-ports} set: every port the agent that wrote it
     * took GUE on), empty when there is no table. Read before the first sync, it tells a restarted agent which
     * receive ports were kube-dsr's, so that one no longer wanted is closed rather than left open.
     */
    public Set<Integer> guePorts() {
        String listing = run(List.of("nft", "list", "set", "inet", NftRules.TABLE, "gue-ports"), null, true);
        return listing == null ? Set.of() : NftRules.guePortsOf(listing);
    }

    /** Runs nft in the namespace; returns its output, or null on failure when {@code tolerateFailure}. */
    private String run(List<String> nft, String input, boolean tolerateFailure) {
        return namespace == null ? exec(nft, input, tolerateFailure) : namespace.call(() -> exec(nft, input, tolerateFailure));
    }

    private String exec(List<String> command, String input, boolean tolerateFailure) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("nft did not finish in 60 s");
            }
            if (p.exitValue() != 0) {
                if (tolerateFailure) {
                    return null;
                }
                throw new IllegalStateException("nft refused the " + table + " table: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run nft: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Map<VirtualServerKey.ByAddress, Integer> dsrMarks() {
        String listing = dsrMapListing();
        return listing == null ? Map.of() : NftRules.marksOf(listing);
    }

    @Override
    public Map<VirtualServerKey.ByAddress, Integer> shortCircuitMarks() {
        String listing = mapListing("short");
        return listing == null ? Map.of() : NftRules.marksOf(listing);
    }

    @Override
    public void delete() {
        apply("add table inet " + table + "\ndelete table inet " + table + "\n");
        applied = null;
    }
}
