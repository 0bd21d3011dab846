package io.kubedsr.proxy.status;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.Service;
import io.kubedsr.netlink.NetlinkException;
import io.kubedsr.netlink.netns.NetworkNamespace;

/**
 * {@code kube-dsr status [--kubeconfig PATH] [-o table|json] [--netns NAME-or-PATH]}: what kube-dsr runs on
 * this node. Exit 0 when the kernel could be read, 1 with a one-line error when not, 2 for bad arguments.
 */
public final class StatusCommand {
    public static final String USAGE = """
            Usage: kube-dsr status [--kubeconfig PATH] [-o table|json] [--netns NAME-or-PATH]
              Prints what kube-dsr runs on this node: Services -> virtual servers -> real servers (IPVS),
              DSR marks, rules and table 78, tunnels, and DSR receivers in pod network namespaces.
              --kubeconfig PATH   name virtual servers after their Services (in a pod: the service account)
              -o table|json       output format (default table)
              --netns NAME|PATH   read this network namespace (/run/netns/NAME or a path) instead of our own
            """;

    private StatusCommand() {
    }

    record Options(String kubeconfig, boolean json, String netns) {
    }

    static Options parse(String[] args) {
        String kubeconfig = "";
        boolean json = false;
        String netns = "";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            String name = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--kubeconfig", "--netns", "-o", "--output" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (name.equals("--kubeconfig")) {
                        kubeconfig = value;
                    } else if (name.equals("--netns")) {
                        netns = value;
                    } else if (value.equals("json") || value.equals("table")) {
                        json = value.equals("json");
                    } else {
                        throw new IllegalArgumentException("unknown output format " + value + " (table or json)");
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        return new Options(kubeconfig, json, netns);
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** Runs the command; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (wantsHelp(args)) {
            out.print(USAGE);
            return 0;
        }
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("kube-dsr status: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        NetworkNamespace target = null;
        try {
            if (!options.netns().isEmpty()) {
                Path path = options.netns().contains("/") ? Path.of(options.netns()) : Path.of("/run/netns", options.netns());
                if (!Files.exists(path)) {
                    err.println("kube-dsr status: no network namespace " + path);
                    return 1;
                }
                target = NetworkNamespace.open(path);
            }
            NodeStatus status = collect(target, options.kubeconfig());
            out.print(options.json() ? JsonRenderer.render(status) : TableRenderer.render(status));
            return 0;
        } catch (StatusException e) {
            err.println("kube-dsr status: " + e.getMessage());
            return 1;
        } catch (NetlinkException e) {
            err.println("kube-dsr status: " + StatusCollector.explain(e).getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("kube-dsr status: " + e.getMessage());
            return 1;
        } finally {
            if (target != null) {
                target.close();
            }
        }
    }

    /** Reads the kernel first (the part that must work), then the API server (the part that may not). */
    static NodeStatus collect(NetworkNamespace target, String kubeconfig) {
        NodeStatus status = new StatusCollector(target, new NamespaceScan()).collect(List.of());
        List<String> notes = new ArrayList<>();
        List<Service> services = ApiServices.list(kubeconfig, notes);
        return services == null ? status.withNotes(notes) : new ServiceNames(services).name(status);
    }
}
