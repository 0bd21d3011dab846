package io.kubedsr.ipvs;

/** Checksum mode of GUE/GRE tunnel-mode real servers (IP_VS_TUNNEL_ENCAP_FLAG_*). */
public enum TunnelChecksum {
    /** IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM. */
    NOCSUM(0),
    /** IP_VS_TUNNEL_ENCAP_FLAG_CSUM. */
    CSUM(1),
    /** IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM. */
    REMCSUM(2);

    private final int bits;

    TunnelChecksum(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }

    public static TunnelChecksum of(int bits) {
        if ((bits & REMCSUM.bits) != 0) {
            return REMCSUM;
        }
        return (bits & CSUM.bits) != 0 ? CSUM : NOCSUM;
    }
}
