package io.kubedsr.proxy.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;

import io.kubedsr.ipvs.Scheduler;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.config.ValueParsers;
import io.kubedsr.tunnel.Encapsulation;

/**
 * Fuzz target: every parser of user text below the flags and annotations: booleans, durations, ports, CIDR
 * lists, IP literals and prefixes (Service and EndpointSlice addresses go through these), listen addresses,
 * scheduler names and encapsulations. Typed failure: {@link IllegalArgumentException} (with a message) only; what parses must obey
 * the parser's promise (a duration is not negative, a port is 0..65535, a CIDR has no host bits, an IP literal
 * never needed a name lookup).
 */
public final class ValueParsersFuzzTarget {
    private ValueParsersFuzzTarget() {
    }

    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        int which = data.consumeInt(0, 8);
        String text = data.consumeRemainingAsString();
        try {
            switch (which) {
                case 0 -> ValueParsers.bool(text);
                case 1 -> {
                    if (ValueParsers.duration(text).isNegative()) {
                        throw new IllegalStateException("negative duration from '" + text + "'");
                    }
                }
                case 2 -> {
                    int p = ValueParsers.port(text);
                    if (p < 0 || p > 65535) {
                        throw new IllegalStateException("port " + p + " from '" + text + "'");
                    }
                }
                case 3 -> {
                    for (IpPrefix p : ValueParsers.cidrs(text)) {
                        if (!p.network().equals(p.address())) {
                            throw new IllegalStateException("CIDR with host bits from '" + text + "'");
                        }
                    }
                }
                case 4 -> IpPrefix.parse(text).toString();
                case 5 -> IpPrefix.format(IpPrefix.parseAddress(text));
                case 6 -> Scheduler.parse(text);
                case 7 -> ValueParsers.listenAddress(text);
                default -> Encapsulation.parse(text, Encapsulation.DEFAULT_GUE_PORT);
            }
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null) {
                throw new IllegalStateException("a parser refused '" + text + "' without saying why", expected);
            }
        }
    }
}
