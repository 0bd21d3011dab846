package io.kubedsr.proxy.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The Linux capabilities the agent needs, checked at start before anything touches the kernel: a container
 * started without one of them would otherwise fail half way (an IPVS write refused, a pod namespace not
 * entered) and leave the node half programmed. The DaemonSets grant exactly these (DeployManifestsTest).
 */
public final class Capabilities {
    private Capabilities() {
    }

    /** A capability with its bit in the CapEff mask (linux/capability.h) and what the agent needs it for. */
    public enum Capability {
        /** CAP_NET_ADMIN 12. */
        NET_ADMIN(12, "netlink writes: IPVS, links, addresses, routes, rules, tunnels, FOU ports, nftables"),
        /** CAP_SYS_MODULE 16. */
        SYS_MODULE(16, "modprobe ip_vs, dummy, ipip and fou, whose generic netlink families never load on demand"),
        /** CAP_SYS_PTRACE 19. */
        SYS_PTRACE(19, "open /proc/PID/ns/net of pod processes, to find a DSR pod's network namespace"),
        /** CAP_SYS_ADMIN 21. */
        SYS_ADMIN(21, "setns() into pod network namespaces, to build DSR receivers there");

        private final int bit;
        private final String why;

        Capability(int bit, String why) {
            this.bit = bit;
            this.why = why;
        }

        /** The kernel's name, {@code CAP_NET_ADMIN}. */
        public String kernelName() {
            return "CAP_" + name();
        }

        public String why() {
            return why;
        }

        boolean in(long mask) {
            return (mask & (1L << bit)) != 0;
        }
    }

    /** The effective set from the text of {@code /proc/self/status} (its {@code CapEff:} line, hexadecimal). */
    public static long effective(String procStatus) {
        for (String line : procStatus.split("\n")) {
            if (line.startsWith("CapEff:")) {
                return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
            }
        }
        throw new IllegalArgumentException("no CapEff line in /proc/self/status");
    }

    /** The capabilities the agent needs that {@code effective} lacks, in declaration order. */
    public static List<Capability> missing(long effective) {
        List<Capability> out = new ArrayList<>();
        for (Capability c : Capability.values()) {
            if (!c.in(effective)) {
                out.add(c);
            }
        }
        return out;
    }

    /** One line naming each missing capability and why it is needed, and what to grant. */
    public static String describe(List<Capability> missing) {
        String each = missing.stream().map(c -> c.kernelName() + " (" + c.why() + ")").collect(Collectors.joining("; "));
        String all = java.util.Arrays.stream(Capability.values()).map(Capability::name).collect(Collectors.joining(", "));
        return "missing " + (missing.size() == 1 ? "capability " : "capabilities ") + each
                + ". Nothing was changed in the kernel. Grant " + all
                + " (the DaemonSet's securityContext.capabilities.add in deploy/) or run as root.";
    }
}
