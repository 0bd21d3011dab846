package io.kubedsr.ipvs;

/** Transport protocols of address-based virtual servers (IPPROTO_*). */
public enum Protocol {
    TCP(6), UDP(17), SCTP(132);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static Protocol of(int number) {
        for (Protocol p : values()) {
            if (p.number == number) {
                return p;
            }
        }
        throw new IllegalArgumentException("unsupported IPVS protocol " + number);
    }
}
