package io.kubedsr.netlink;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Address families as netlink numbers them (AF_* in sys/socket.h). */
public enum AddressFamily {
    UNSPEC(0, 0),
    INET(2, 4),
    INET6(10, 16);

    private final int number;
    private final int addressLength;

    AddressFamily(int number, int addressLength) {
        this.number = number;
        this.addressLength = addressLength;
    }

    public int number() {
        return number;
    }

    /** Bytes of an address of this family: 4, 16, or 0 for UNSPEC. */
    public int addressLength() {
        return addressLength;
    }

    /** Largest prefix length: 32 or 128. */
    public int maxPrefixLength() {
        return addressLength * 8;
    }

    public static AddressFamily of(InetAddress address) {
        if (address instanceof Inet4Address) {
            return INET;
        }
        if (address instanceof Inet6Address) {
            return INET6;
        }
        throw new IllegalArgumentException("not an IP address: " + address);
    }

    public static AddressFamily of(int number) {
        for (AddressFamily f : values()) {
            if (f.number == number) {
                return f;
            }
        }
        throw new NetlinkDecodeException("unknown address family " + number);
    }

    /** The all-zero address of this family (0.0.0.0 or ::). */
    public InetAddress anyAddress() {
        try {
            return InetAddress.getByAddress(new byte[addressLength]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
