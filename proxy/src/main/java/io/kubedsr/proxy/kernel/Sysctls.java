package io.kubedsr.proxy.kernel;

import io.kubedsr.netlink.netns.NetworkNamespace;
import io.kubedsr.netlink.netns.SysctlDirectory;

/** Reads and writes a network namespace's sysctls ({@code net/ipv4/vs/sloppy_tcp} form); the seam tests fake. */
public interface Sysctls {
    /** The value, trimmed. */
    String read(String key);

    void write(String key, String value);

    /** The sysctls of {@code ns}, read and written through {@code dir} (--sysctl-dir). */
    static Sysctls of(NetworkNamespace ns, SysctlDirectory dir) {
        return new Sysctls() {
            @Override
            public String read(String key) {
                return ns.readSysctl(dir, key);
            }

            @Override
            public void write(String key, String value) {
                ns.writeSysctl(dir, key, value);
            }
        };
    }
}
