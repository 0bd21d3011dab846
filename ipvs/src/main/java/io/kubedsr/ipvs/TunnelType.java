package io.kubedsr.ipvs;

/** Encapsulation of tunnel-mode real servers (IP_VS_CONN_F_TUNNEL_TYPE_*). */
public enum TunnelType {
    IPIP(0), GUE(1), GRE(2);

    private final int number;

    TunnelType(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    public static TunnelType of(int number) {
        for (TunnelType t : values()) {
            if (t.number == number) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown IPVS tunnel type " + number);
    }
}
