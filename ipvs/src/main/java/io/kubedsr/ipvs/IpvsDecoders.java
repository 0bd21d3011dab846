package io.kubedsr.ipvs;

import static io.kubedsr.ipvs.IpvsConstants.*;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import io.kubedsr.netlink.AddressFamily;
import io.kubedsr.netlink.Attributes;
import io.kubedsr.netlink.NetlinkDecodeException;
import io.kubedsr.netlink.NetlinkMessage;
import io.kubedsr.netlink.genl.GenericNetlink;

/** Decodes IPVS replies. Malformed input throws {@link NetlinkDecodeException} only. */
public final class IpvsDecoders {
    private IpvsDecoders() {
    }

    private static Attributes top(NetlinkMessage m) {
        return m.attributes(GenericNetlink.HEADER_LENGTH);
    }

    private static Attributes nest(Attributes a, int type, String what) {
        Attributes n = a.nested(type);
        if (n == null) {
            throw new NetlinkDecodeException("IPVS reply without " + what);
        }
        return n;
    }

    private static int required(Attributes a, int type, String what) {
        Long v = a.u32(type);
        if (v == null) {
            throw new NetlinkDecodeException("IPVS reply without " + what);
        }
        return v.intValue();
    }

    /** The kernel always sends a 16-byte union nf_inet_addr; IPv4 uses its first four bytes. */
    static InetAddress address(Attributes a, int type, AddressFamily family) {
        byte[] raw = a.bytes(type);
        if (raw == null || raw.length < family.addressLength()) {
            throw new NetlinkDecodeException("IPVS address attribute " + type + " missing or short");
        }
        try {
            return InetAddress.getByAddress(Arrays.copyOf(raw, family.addressLength()));
        } catch (UnknownHostException e) {
            throw new NetlinkDecodeException("bad IPVS address");
        }
    }

    static AddressFamily family(Integer number) {
        if (number == null) {
            throw new NetlinkDecodeException("IPVS reply without an address family");
        }
        AddressFamily f = AddressFamily.of(number);
        if (f == AddressFamily.UNSPEC) {
            throw new NetlinkDecodeException("IPVS reply with family AF_UNSPEC");
        }
        return f;
    }

    static int maskToPrefix(int mask) {
        int prefix = Integer.bitCount(mask);
        if (IpvsRequests.prefixToMask(prefix) != mask) {
            throw new NetlinkDecodeException("non-contiguous IPVS netmask 0x" + Integer.toHexString(mask));
        }
        return prefix;
    }

    public static VirtualServerStatus virtualServer(NetlinkMessage m) {
        Attributes s = nest(top(m), CMD_ATTR_SERVICE, "a service");
        try {
            AddressFamily family = family(s.u16(SVC_ATTR_AF));
            VirtualServerKey key;
            if (s.has(SVC_ATTR_FWMARK) && s.u32(SVC_ATTR_FWMARK) != 0) {
                key = VirtualServerKey.ofFwmark(family, s.u32(SVC_ATTR_FWMARK).intValue());
            } else {
                Integer protocol = s.u16(SVC_ATTR_PROTOCOL);
                Integer port = s.u16Be(SVC_ATTR_PORT);
                if (protocol == null || port == null) {
                    throw new NetlinkDecodeException("IPVS service without protocol or port");
                }
                key = VirtualServerKey.of(address(s, SVC_ATTR_ADDR, family), Protocol.of(protocol), port);
            }
            String scheduler = s.string(SVC_ATTR_SCHED_NAME);
            byte[] flagBytes = s.bytes(SVC_ATTR_FLAGS);
            if (scheduler == null || flagBytes == null || flagBytes.length < 4) {
                throw new NetlinkDecodeException("IPVS service without scheduler or flags");
            }
            int flags = ByteBuffer.wrap(flagBytes).order(ByteOrder.nativeOrder()).getInt(0) & ~ServiceFlag.HASHED.bit();
            int timeout = required(s, SVC_ATTR_TIMEOUT, "a timeout");
            int netmask = family == AddressFamily.INET ? maskToPrefix(s.u32Be(SVC_ATTR_NETMASK) == null ? -1
                    : s.u32Be(SVC_ATTR_NETMASK).intValue()) : s.u32OrDefault(SVC_ATTR_NETMASK, 128);
            VirtualServer vs = new VirtualServer(key, new Scheduler(scheduler), ServiceFlag.fromBits(flags), timeout, netmask);
            return new VirtualServerStatus(vs, stats(s, SVC_ATTR_STATS64, SVC_ATTR_STATS));
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent IPVS service: " + e.getMessage());
        }
    }

    /** {@code serviceFamily} is used when the kernel predates IPVS_DEST_ATTR_ADDR_FAMILY. */
    public static RealServerStatus realServer(NetlinkMessage m, AddressFamily serviceFamily) {
        Attributes d = nest(top(m), CMD_ATTR_DEST, "a destination");
        try {
            AddressFamily family = d.has(DEST_ATTR_ADDR_FAMILY) ? family(d.u16(DEST_ATTR_ADDR_FAMILY)) : serviceFamily;
            InetAddress address = address(d, DEST_ATTR_ADDR, family);
            Integer port = d.u16Be(DEST_ATTR_PORT);
            if (port == null) {
                throw new NetlinkDecodeException("IPVS destination without a port");
            }
            int method = required(d, DEST_ATTR_FWD_METHOD, "a forwarding method") & FWD_MASK;
            Forwarding forwarding = switch (method) {
                case 0 -> Forwarding.MASQUERADE;
                case 1 -> Forwarding.LOCAL;
                case 2 -> new Forwarding.Tunnel(TunnelType.of(d.u8OrDefault(DEST_ATTR_TUN_TYPE, 0)),
                        d.has(DEST_ATTR_TUN_PORT) ? d.u16Be(DEST_ATTR_TUN_PORT) : 0,
                        TunnelChecksum.of(d.has(DEST_ATTR_TUN_FLAGS) ? d.u16(DEST_ATTR_TUN_FLAGS) : 0));
                case 3 -> Forwarding.DIRECT_ROUTE;
                case 4 -> Forwarding.BYPASS;
                default -> throw new NetlinkDecodeException("unknown IPVS forwarding method " + method);
            };
            RealServer rs = new RealServer(address, port, forwarding, required(d, DEST_ATTR_WEIGHT, "a weight"),
                    d.u32OrDefault(DEST_ATTR_U_THRESH, 0), d.u32OrDefault(DEST_ATTR_L_THRESH, 0));
            return new RealServerStatus(rs, d.u32OrDefault(DEST_ATTR_ACTIVE_CONNS, 0), d.u32OrDefault(DEST_ATTR_INACT_CONNS, 0),
                    d.u32OrDefault(DEST_ATTR_PERSIST_CONNS, 0), stats(d, DEST_ATTR_STATS64, DEST_ATTR_STATS));
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent IPVS destination: " + e.getMessage());
        }
    }

    /** Prefers the 64-bit statistics nest; older kernels send only the 32/64-bit mixed one. */
    static IpvsStats stats(Attributes parent, int stats64, int stats32) {
        Attributes s = parent.nested(stats64);
        boolean wide = s != null;
        if (s == null) {
            s = parent.nested(stats32);
        }
        if (s == null) {
            return IpvsStats.ZERO;
        }
        return new IpvsStats(counter(s, STATS_CONNS, wide), counter(s, STATS_INPKTS, wide), counter(s, STATS_OUTPKTS, wide),
                counter(s, STATS_INBYTES, true), counter(s, STATS_OUTBYTES, true), counter(s, STATS_CPS, wide),
                counter(s, STATS_INPPS, wide), counter(s, STATS_OUTPPS, wide), counter(s, STATS_INBPS, wide),
                counter(s, STATS_OUTBPS, wide));
    }

    private static long counter(Attributes s, int type, boolean wide) {
        Long v = wide ? s.u64(type) : s.u32(type);
        return v == null ? 0 : v;
    }

    public static IpvsTimeouts timeouts(NetlinkMessage m) {
        Attributes a = top(m);
        try {
            return new IpvsTimeouts(a.u32OrDefault(CMD_ATTR_TIMEOUT_TCP, 0), a.u32OrDefault(CMD_ATTR_TIMEOUT_TCP_FIN, 0),
                    a.u32OrDefault(CMD_ATTR_TIMEOUT_UDP, 0));
        } catch (IllegalArgumentException e) {
            // a u32 above Integer.MAX_VALUE reads as a negative int (found by fuzzing)
            throw new NetlinkDecodeException("inconsistent IPVS timeouts: " + e.getMessage());
        }
    }

    public static IpvsInfo info(NetlinkMessage m) {
        Attributes a = top(m);
        try {
            return new IpvsInfo(required(a, INFO_ATTR_VERSION, "a version"), a.u32OrDefault(INFO_ATTR_CONN_TAB_SIZE, 0));
        } catch (IllegalArgumentException e) {
            throw new NetlinkDecodeException("inconsistent IPVS info: " + e.getMessage());
        }
    }
}
