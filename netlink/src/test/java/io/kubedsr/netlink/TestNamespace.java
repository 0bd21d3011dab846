package io.kubedsr.netlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.route.Rtnetlink;

/**
 * A fresh network namespace for one test ({@code ip netns add}), with an rtnetlink connection inside it;
 * deleted on close. Tests that need it run as root (CI does); without root it fails, never skips.
 */
public final class TestNamespace implements AutoCloseable {
    private final String name;
    private final NetworkNamespace namespace;
    private final Rtnetlink rtnl;

    private TestNamespace(String name) {
        this.name = name;
        this.namespace = NetworkNamespace.named(name);
        this.rtnl = namespace.openRtnetlink();
    }

    public static TestNamespace create() {
        String name = "kdsr-t" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFL);
        run("ip", "netns", "add", name);
        TestNamespace ns = new TestNamespace(name);
        ns.exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /**
     * The network namespace of process {@code pid} (a container's), named {@code name} in /run/netns with
     * {@code ip netns attach}; closing removes the name only, the namespace lives as long as the process.
     */
    public static TestNamespace attach(String name, long pid) {
        run("ip", "netns", "attach", name, Long.toString(pid));
        return new TestNamespace(name);
    }

    public String name() {
        return name;
    }

    public NetworkNamespace namespace() {
        return namespace;
    }

    public Rtnetlink rtnl() {
        return rtnl;
    }

    /** Runs a command inside the namespace and returns its standard output; fails on a non-zero exit. */
    public String exec(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return run(full.toArray(String[]::new));
    }

    /** A veth pair between two namespaces, each end with an address and up (test topology scaffolding). */
    public static void veth(TestNamespace a, String aName, String aAddr, TestNamespace b, String bName, String bAddr) {
        a.exec("ip", "link", "add", aName, "type", "veth", "peer", "name", bName, "netns", b.name());
        a.exec("ip", "addr", "add", aAddr, "dev", aName);
        a.exec("ip", "link", "set", aName, "up");
        b.exec("ip", "addr", "add", bAddr, "dev", bName);
        b.exec("ip", "link", "set", bName, "up");
    }

    /** Runs a command inside the namespace and says whether it failed (a non-zero exit). */
    public boolean tryExecFails(String... command) {
        try {
            exec(command);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        rtnl.close();
        namespace.close();
        run("ip", "netns", "del", name);
    }
}
