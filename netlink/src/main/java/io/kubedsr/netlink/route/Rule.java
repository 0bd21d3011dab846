package io.kubedsr.netlink.route;

import static io.kubedsr.netlink.route.RtnlConstants.*;

import java.nio.ByteBuffer;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;

/**
 * A policy routing rule that looks up {@code table}: matched by priority, firewall mark under a mask, source
 * and destination prefix (null for any). {@code fwmark} 0 with mask 0 means "no mark match".
 */
public record Rule(AddressFamily family, int priority, long fwmark, long fwmask, IpPrefix source,
        IpPrefix destination, int table) {

    public Rule {
        if (family == AddressFamily.UNSPEC) {
            throw new IllegalArgumentException("rule family must be INET or INET6");
        }
        if (source != null && source.family() != family || destination != null && destination.family() != family) {
            throw new IllegalArgumentException("rule prefixes must be of family " + family);
        }
        if (fwmark != 0 && fwmask == 0) {
            fwmask = 0xFFFFFFFFL;
        }
    }

    /** {@code ip rule add prio P fwmark M lookup T}. */
    public static Rule fwmark(AddressFamily family, int priority, long mark, int table) {
        return new Rule(family, priority, mark, 0xFFFFFFFFL, null, null, table);
    }

    static Rule decode(NetlinkMessage m) {
        m.attributes(FIB_RULE_HDR_LENGTH); // checks the fixed header is complete before it is read
        try {
            return decodeChecked(m);
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent rule message: " + e.getMessage());
        }
    }

    private static Rule decodeChecked(NetlinkMessage m) {
        ByteBuffer p = m.payloadBuffer();
        AddressFamily family = AddressFamily.of(p.get(0) & 0xFF);
        int dstLen = p.get(1) & 0xFF;
        int srcLen = p.get(2) & 0xFF;
        int headerTable = p.get(4) & 0xFF;
        Attributes a = m.attributes(FIB_RULE_HDR_LENGTH);
        long mark = a.has(FRA_FWMARK) ? a.u32(FRA_FWMARK) : 0;
        long mask = a.has(FRA_FWMASK) ? a.u32(FRA_FWMASK) : 0;
        if (mark == 0 && mask == 0xFFFFFFFFL) {
            mask = 0; // the kernel reports an unmarked rule's default mask
        }
        IpPrefix src = a.has(FRA_SRC) ? new IpPrefix(a.address(FRA_SRC), srcLen) : null;
        IpPrefix dst = a.has(FRA_DST) ? new IpPrefix(a.address(FRA_DST), dstLen) : null;
        return new Rule(family, a.u32OrDefault(FRA_PRIORITY, 0), mark, mask, src, dst,
                a.u32OrDefault(FRA_TABLE, headerTable));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(family == AddressFamily.INET ? "ipv4 " : "ipv6 ");
        sb.append(priority).append(':');
        if (source != null) {
            sb.append(" from ").append(source);
        }
        if (destination != null) {
            sb.append(" to ").append(destination);
        }
        if (fwmark != 0 || fwmask != 0) {
            sb.append(" fwmark 0x").append(Long.toHexString(fwmark)).append("/0x").append(Long.toHexString(fwmask));
        }
        return sb.append(" lookup ").append(table).toString();
    }
}
