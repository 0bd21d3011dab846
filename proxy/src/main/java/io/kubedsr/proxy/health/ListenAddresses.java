package io.kubedsr.proxy.health;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.AgentConfig;

/**
 * Where the agent's HTTP servers listen (docs/security.md). The health and metrics servers take their flag's
 * address, or every address of the families the agent serves; HealthCheckNodePort servers listen where
 * NodePorts are served: this node's addresses, or every address with {@code --nodeport-bindon-all-ip}.
 */
public final class ListenAddresses {
    private ListenAddresses() {
    }

    /**
     * Every address of the served families: {@code ::} when IPv6 is served (a Linux IPv6 wildcard socket takes
     * IPv4 too, unless net.ipv6.bindv6only is set), else {@code 0.0.0.0}, which takes no IPv6.
     */
    public static String wildcard(AgentConfig config) {
        return config.enableIpv6() ? "::" : "0.0.0.0";
    }

    /** The configured address, or {@link #wildcard} when the flag is empty. */
    public static String orWildcard(String configured, AgentConfig config) {
        return configured.isEmpty() ? wildcard(config) : configured;
    }

    /** The HealthCheckNodePort servers' addresses for this node's addresses (InternalIP first, per family). */
    public static List<String> healthCheckNodePorts(AgentConfig config, List<InetAddress> nodeAddresses) {
        if (config.nodePortBindOnAllIp()) {
            return List.of(wildcard(config));
        }
        List<String> out = new ArrayList<>();
        for (InetAddress a : nodeAddresses) {
            boolean v4 = AddressFamily.of(a) == AddressFamily.INET;
            if (v4 ? config.enableIpv4() : config.enableIpv6()) {
                out.add(IpPrefix.format(a));
            }
        }
        return out;
    }
}
