package io.kubedsr.proxy.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.ipvs.ServiceFlag;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.netns.SysctlDirectory;
import io.kubedsr.proxy.model.SchedulerFlags;
import io.kubedsr.tunnel.Encapsulation;

/**
 * The agent's flags: kube-router's names and defaults where kube-router has them. {@link #parse} accepts
 * {@code --name=value}, {@code --name value} and bare {@code --name} for booleans; an unknown flag or an
 * invalid value throws {@link FlagParseException} with one line naming the flag. {@link #help()} and the
 * user guide's reference table come from {@link #FLAGS}, so they cannot drift from the parser.
 */
public final class AgentFlags {
    private AgentFlags() {
    }

    private static final Map<String, Flag<?>> BY_NAME = new LinkedHashMap<>();
    /** Every flag, in help order. */
    public static final List<Flag<?>> FLAGS;

    private static <T> void flag(String name, String defaultText, String help, Function<String, T> parser) {
        BY_NAME.put(name, new Flag<>(name, defaultText, help, parser, false));
    }

    private static void bool(String name, boolean defaultValue, String help) {
        BY_NAME.put(name, new Flag<>(name, Boolean.toString(defaultValue), help, ValueParsers::bool, true));
    }

    static {
        flag("kubeconfig", "", "Path to a kubeconfig; empty means in-cluster configuration (service account).", s -> s);
        flag("master", "", "The API server's address; overrides the kubeconfig's.", s -> s);
        flag("hostname-override", "", "This node's name as the API server knows it; default: the NODE_NAME "
                + "environment variable, then the host name.", s -> s);
        flag("ipvs-sync-period", "5m", "Period of the drift repair: a verification of the kernel in steps on the service side, a full sync of the overlay.",
                ValueParsers::positiveDuration);
        bool("ipvs-graceful-termination", false, "Drain a removed real server (weight 0) until its connections end "
                + "or the graceful period passes, instead of deleting it at once.");
        flag("ipvs-graceful-period", "30s", "Longest time a removed real server drains.", ValueParsers::duration);
        bool("ipvs-permit-all", true, "Accept all traffic to service VIPs; false rejects traffic to a VIP on a port "
                + "that is not a service port (ICMP stays allowed).");
        bool("masquerade-all", false, "SNAT all traffic to services, not only traffic from outside the pod network.");
        bool("nodeport-bindon-all-ip", false, "Serve NodePorts on every local address, not only the node's addresses.");
        flag("service-cluster-ip-range", "10.96.0.0/12", "The cluster's service CIDRs (comma-separated, one per family). "
                + "External and LoadBalancer IPs inside them are always refused.", ValueParsers::cidrs);
        flag("cluster-cidr", "", "The pods' CIDRs (comma-separated, one per family). Traffic to a service from outside "
                + "them is masqueraded so replies return through this node; empty: only --masquerade-all masquerades.",
                ValueParsers::cidrs);
        flag("service-external-ip-range", "", "CIDRs externalIPs may use (comma-separated).", ValueParsers::cidrs);
        flag("loadbalancer-ip-range", "", "CIDRs LoadBalancer ingress IPs may use (comma-separated).", ValueParsers::cidrs);
        bool("strict-external-ip-validation", true, "Refuse externalIPs and LoadBalancer IPs outside the ranges above: "
                + "otherwise anyone able to create a Service can capture traffic for any address.");
        flag("excluded-cidrs", "", "CIDRs whose IPVS services kube-dsr never touches (comma-separated).", ValueParsers::cidrs);
        flag("service-tcp-timeout", "0s", "IPVS TCP connection timeout; 0 keeps the kernel's.", ValueParsers::ipvsTimeout);
        flag("service-tcpfin-timeout", "0s", "IPVS TCP FIN_WAIT timeout; 0 keeps the kernel's.", ValueParsers::ipvsTimeout);
        flag("service-udp-timeout", "0s", "IPVS UDP timeout; 0 keeps the kernel's.", ValueParsers::ipvsTimeout);
        bool("enable-ipv4", true, "Serve IPv4 services.");
        bool("enable-ipv6", false, "Serve IPv6 services.");
        flag("metrics-addr", "", "IP address the Prometheus metrics server listens on; empty means every address of the "
                + "served families (Service VIPs included: see docs/security.md).", ValueParsers::listenAddress);
        flag("metrics-port", "0", "Port of the Prometheus metrics server; 0 disables it.", ValueParsers::port);
        flag("metrics-path", "/metrics", "Path of the Prometheus metrics.", s -> {
            if (!s.startsWith("/")) {
                throw new IllegalArgumentException("must start with '/'");
            }
            return s;
        });
        flag("health-addr", "", "IP address the /healthz server listens on; empty means every address of the served "
                + "families (Service VIPs included: see docs/security.md).", ValueParsers::listenAddress);
        flag("health-port", "20244", "Port of the /healthz server; 0 disables it.", ValueParsers::port);
        flag("sysctl-dir", "/proc/sys", "Directory the agent reads and writes sysctls through, in this node's network "
                + "namespace and in DSR pods'. A container that is not privileged sees /proc/sys read-only: mount the host's "
                + "/proc/sys writable and name it here (the DaemonSets of deploy/: /host/proc/sys).",
                s -> new SysctlDirectory(Path.of(s)));
        bool("cleanup-config", false, "Remove everything kube-dsr configured on this node, and nothing else, then exit.");
        bool("hairpin-mode", false, "Hairpin SNAT for every service, so a pod can reach itself through its service.");
        bool("enable-overlay", true, "Tunnel pod traffic between nodes (see --overlay-type); false: direct routes only.");
        flag("overlay-type", "subnet", "subnet: tunnel only to nodes on other subnets; full: tunnel to every node.",
                s -> ValueParsers.oneOf(s, "subnet", "full"));
        flag("overlay-encap", "ipip", "Tunnel encapsulation: ipip, or fou (GUE over UDP, for networks that drop IPIP). "
                + "Also the default DSR encapsulation.", s -> ValueParsers.oneOf(s, "ipip", "fou"));
        flag("overlay-encap-port", "5555", "UDP port of the GUE (fou) encapsulation, 1024-65535. Overlay tunnels and DSR "
                + "send GUE to it; every node accepts GUE on it whatever it sends (docs/tunnels.md).", ValueParsers::guePort);
        flag("overlay-encap-receive-ports", "", "More UDP ports on which this node's overlay and DSR receivers accept GUE, "
                + "besides --overlay-encap-port (comma-separated): to move the port without dropping a packet, roll out the "
                + "new port here first (docs/tunnels.md).", ValueParsers::guePorts);
        flag("dsr-scheduler", "rr", "IPVS scheduler of the DSR addresses of Services that name none "
                + "(kube-router.io/service.scheduler); mh (Maglev hashing) makes every node choose the same pod for a "
                + "connection, so connections survive ECMP moving them to another node (docs/dsr.md).", Scheduler::parse);
        flag("dsr-scheduler-flags", "", "Scheduler flags with --dsr-scheduler, as in kube-router.io/service.schedflags "
                + "(comma-separated): mh-port hashes the client's port too, so one client's connections spread.", s -> s);
        FLAGS = List.copyOf(BY_NAME.values());
    }

    /** Whether the arguments ask for help. */
    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static AgentConfig parse(String[] args) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new FlagParseException("unexpected argument '" + a + "' (flags start with --)");
            }
            String body = a.substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            Flag<?> flag = BY_NAME.get(name);
            if (flag == null) {
                throw new FlagParseException("unknown flag --" + name + " (see --help)");
            }
            String value;
            if (eq >= 0) {
                value = body.substring(eq + 1);
            } else if (flag.isBoolean()) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new FlagParseException("flag --" + name + " needs a value");
            }
            if (given.put(name, value) != null) {
                throw new FlagParseException("flag --" + name + " given twice");
            }
        }
        Map<String, Object> v = new HashMap<>();
        for (Flag<?> f : FLAGS) {
            String text = given.getOrDefault(f.name(), f.defaultText());
            try {
                v.put(f.name(), f.parse(text));
            } catch (IllegalArgumentException e) {
                throw new FlagParseException("invalid value '" + text + "' for --" + f.name() + ": " + e.getMessage());
            }
        }
        boolean v4 = (Boolean) v.get("enable-ipv4");
        boolean v6 = (Boolean) v.get("enable-ipv6");
        if (!v4 && !v6) {
            throw new FlagParseException("--enable-ipv4 and --enable-ipv6 are both false: nothing to serve");
        }
        Scheduler dsrScheduler = (Scheduler) v.get("dsr-scheduler");
        Set<ServiceFlag> dsrFlags;
        try {
            dsrFlags = SchedulerFlags.parse((String) v.get("dsr-scheduler-flags"), dsrScheduler, true);
        } catch (IllegalArgumentException e) {
            throw new FlagParseException("invalid value '" + v.get("dsr-scheduler-flags") + "' for --dsr-scheduler-flags: "
                    + e.getMessage());
        }
        int encapPort = (Integer) v.get("overlay-encap-port");
        Encapsulation encap = Encapsulation.parse((String) v.get("overlay-encap"), encapPort);
        return new AgentConfig((String) v.get("kubeconfig"), (String) v.get("master"), (String) v.get("hostname-override"),
                (Duration) v.get("ipvs-sync-period"), (Boolean) v.get("ipvs-graceful-termination"),
                (Duration) v.get("ipvs-graceful-period"), (Boolean) v.get("ipvs-permit-all"), (Boolean) v.get("masquerade-all"),
                (Boolean) v.get("nodeport-bindon-all-ip"), cidrs(v, "service-cluster-ip-range"),
                cidrs(v, "service-external-ip-range"), cidrs(v, "loadbalancer-ip-range"),
                (Boolean) v.get("strict-external-ip-validation"), cidrs(v, "excluded-cidrs"),
                (Duration) v.get("service-tcp-timeout"), (Duration) v.get("service-tcpfin-timeout"),
                (Duration) v.get("service-udp-timeout"), v4, v6, (String) v.get("metrics-addr"), (Integer) v.get("metrics-port"),
                (String) v.get("metrics-path"), (String) v.get("health-addr"), (Integer) v.get("health-port"),
                (Boolean) v.get("cleanup-config"), (Boolean) v.get("hairpin-mode"), (Boolean) v.get("enable-overlay"),
                (String) v.get("overlay-type"), encap, encapPort, guePorts(v), cidrs(v, "cluster-cidr"), dsrScheduler, dsrFlags,
                (SysctlDirectory) v.get("sysctl-dir"));
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> guePorts(Map<String, Object> v) {
        return (List<Integer>) v.get("overlay-encap-receive-ports");
    }

    @SuppressWarnings("unchecked")
    private static List<IpPrefix> cidrs(Map<String, Object> v, String name) {
        return (List<IpPrefix>) v.get(name);
    }

    /** The --help text. */
    public static String help() {
        StringBuilder sb = new StringBuilder("Usage: kube-dsr [flags]            run the node agent\n"
                + "       kube-dsr status [options]   print what kube-dsr runs on this node (kube-dsr status --help)\n\nFlags:\n");
        List<String> lines = new ArrayList<>();
        for (Flag<?> f : FLAGS) {
            String head = "  --" + f.name() + (f.isBoolean() ? "" : " value");
            lines.add(String.format("%-38s %s (default \"%s\")", head, f.help(), f.defaultText()));
        }
        return sb.append(String.join("\n", lines)).append('\n').toString();
    }
}
