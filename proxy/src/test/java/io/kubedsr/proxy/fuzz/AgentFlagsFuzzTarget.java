package io.kubedsr.proxy.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import io.kubedsr.ipvs.IpvsTimeouts;
import io.kubedsr.proxy.config.AgentConfig;
import io.kubedsr.proxy.config.AgentFlags;
import io.kubedsr.proxy.config.Flag;
import io.kubedsr.proxy.config.FlagParseException;

/**
 * Fuzz target: the agent's command line. Arguments are mostly {@code --known-flag=value} with fuzzed values
 * (and fuzzed names and bare words). Typed failure: {@link FlagParseException} only (one line, then exit);
 * a configuration that parses must be usable as the agent uses it: a periodic timer of the sync period
 * (at least 1 ms), IPVS timeouts in whole seconds that fit the kernel's int, non-negative graceful period.
 */
public final class AgentFlagsFuzzTarget {
    private AgentFlagsFuzzTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        String[] args = new String[data.consumeInt(0, 6)];
        for (int i = 0; i < args.length; i++) {
            int kind = data.consumeInt(0, 3);
            if (kind == 0) {
                args[i] = data.consumeString(40);
            } else {
                Flag<?> f = AgentFlags.FLAGS.get(data.consumeInt(0, AgentFlags.FLAGS.size() - 1));
                args[i] = "--" + f.name() + (kind == 1 && f.isBoolean() ? "" : "=" + data.consumeString(40));
            }
        }
        AgentConfig config;
        try {
            config = AgentFlags.parse(args);
        } catch (FlagParseException expected) {
            return;
        }
        check(config);
    }

    static void check(AgentConfig c) {
        if (c.ipvsSyncPeriod().toMillis() < 1) {
            throw new IllegalStateException("sync period " + c.ipvsSyncPeriod() + " cannot drive a periodic timer");
        }
        if (c.ipvsGracefulPeriod().isNegative()) {
            throw new IllegalStateException("negative graceful period " + c.ipvsGracefulPeriod());
        }
        for (java.time.Duration d : new java.time.Duration[] {c.serviceTcpTimeout(), c.serviceTcpFinTimeout(), c.serviceUdpTimeout()}) {
            if (d.isNegative() || d.toSeconds() > Integer.MAX_VALUE) {
                throw new IllegalStateException("IPVS timeout " + d + " does not fit the kernel's seconds");
            }
        }
        new IpvsTimeouts((int) c.serviceTcpTimeout().toSeconds(), (int) c.serviceTcpFinTimeout().toSeconds(),
                (int) c.serviceUdpTimeout().toSeconds());
    }
}
