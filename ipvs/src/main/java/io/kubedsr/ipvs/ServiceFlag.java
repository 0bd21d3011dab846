package io.kubedsr.ipvs;

import java.util.EnumSet;
import java.util.Set;

/** Virtual server flags (IP_VS_SVC_F_*). */
public enum ServiceFlag {
    /** IP_VS_SVC_F_PERSISTENT: clients stick to a real server for the persistence timeout. */
    PERSISTENT(0x1),
    /** IP_VS_SVC_F_HASHED: set by the kernel on every service in its table; never compared. */
    HASHED(0x2),
    /** IP_VS_SVC_F_ONEPACKET: schedule each UDP datagram on its own. */
    ONE_PACKET(0x4),
    /** IP_VS_SVC_F_SCHED1: sh-fallback for sh, mh-fallback for mh. */
    SCHED1(0x8),
    /** IP_VS_SVC_F_SCHED2: sh-port for sh, mh-port for mh. */
    SCHED2(0x10),
    /** IP_VS_SVC_F_SCHED3. */
    SCHED3(0x20);

    private final int bit;

    ServiceFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }

    public static int toBits(Set<ServiceFlag> flags) {
        int bits = 0;
        for (ServiceFlag f : flags) {
            bits |= f.bit;
        }
        return bits;
    }

    public static Set<ServiceFlag> fromBits(int bits) {
        EnumSet<ServiceFlag> set = EnumSet.noneOf(ServiceFlag.class);
        for (ServiceFlag f : values()) {
            if ((bits & f.bit) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
