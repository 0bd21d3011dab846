package io.kubedsr.proxy.kernel;

import io.kubedsr.netlink.netns.NetworkNamespace;

/** Reads and writes a network namespace's sysctls ({@code net/ipv4/vs/sloppy_tcp} form); the seam tests fake. */
public interface Sysctls {
    /** The value, trimmed. */
    String read(String key);

    void write(String key, String value);

    static Sysctls of(NetworkNamespace ns) {
        return new Sysctls() {
            @Override
            public String read(String key) {
                return ns.readSysctl(key);
            }

            @Override
            public void write(String key, String value) {
                ns.writeSysctl(key, value);
            }
        };
    }
}
