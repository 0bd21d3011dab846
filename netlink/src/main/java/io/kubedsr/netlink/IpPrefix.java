package io.kubedsr.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * An address with a prefix length, such as 10.244.1.0/24 or fd00::/64. The address is kept as given; use
 * {@link #network()} for the masked form.
 */
public record IpPrefix(InetAddress address, int length) {
    public IpPrefix {
        if (address == null) {
            throw new IllegalArgumentException("prefix address is null");
        }
        int max = AddressFamily.of(address).maxPrefixLength();
        if (length < 0 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " outside 0.." + max + " for " + address.getHostAddress());
        }
    }

    /** A host prefix: /32 for IPv4, /128 for IPv6. */
    public static IpPrefix host(InetAddress address) {
        return new IpPrefix(address, AddressFamily.of(address).maxPrefixLength());
    }

    /** Parses "a.b.c.d/n", "x::y/n", or a bare address (host prefix). Does not resolve names. */
    public static IpPrefix parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("not a prefix: null");
        }
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress a = parseAddress(addr);
        if (slash < 0) {
            return host(a);
        }
        try {
            return new IpPrefix(a, Integer.parseInt(s.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in " + text);
        }
    }

    /** Parses a literal IPv4 or IPv6 address without any name lookup. */
    public static InetAddress parseAddress(String literal) {
        if (literal == null) {
            // a null in a Service's list of IPs reached here (found by fuzzing the planner)
            throw new IllegalArgumentException("not an IP address: null");
        }
        String s = literal.trim();
        byte[] v4 = parseIpv4(s);
        if (v4 != null) {
            try {
                return InetAddress.getByAddress(v4);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + literal);
            }
        }
        // Only a literal may reach getByName (it would resolve a host name); the pattern is compiled once: this
        // runs for every endpoint of every Service in a full sync.
        if (!s.contains(":") || !IPV6_CHARS.matcher(s).matches()) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + literal);
        }
    }

    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /** Dotted-quad IPv4 (1-3 digits per part, each at most 255), or null. No regex, no allocation but the result. */
    private static byte[] parseIpv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else if (c == '.' && digits > 0 && part < 3) {
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        if (part != 3 || digits == 0) {
            return null;
        }
        out[3] = (byte) value;
        return out;
    }

    /**
     * An address as text: IPv4 dotted, IPv6 in the short form of RFC 5952 (fd00::1, not fd00:0:0:0:0:0:0:1),
     * which is what iproute2 and ipvsadm print.
     */
    public static String format(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    public AddressFamily family() {
        return AddressFamily.of(address);
    }

    /** The address with host bits cleared. */
    public InetAddress network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, length - i * 8));
            b[i] &= (byte) (0xFF << (8 - bitsHere));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean contains(InetAddress candidate) {
        if (AddressFamily.of(candidate) != family()) {
            return false;
        }
        return new IpPrefix(candidate, length).network().equals(network());
    }

    @Override
    public String toString() {
        return format(address) + "/" + length;
    }
}
