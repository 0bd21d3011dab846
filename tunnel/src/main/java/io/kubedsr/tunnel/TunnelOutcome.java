package io.kubedsr.tunnel;

/** What ensuring a tunnel or receiver did. */
public enum TunnelOutcome {
    /** It was there and equal: nothing was written. */
    UNCHANGED,
    /** It was missing and was created. */
    CREATED,
    /**
     * It existed with settings the kernel changes in place (encapsulation, GUE port, local address, TTL) and was
     * changed so: same link, same index, its routes and addresses kept, no packet lost on it.
     */
    CONVERTED,
    /** It existed as something the kernel cannot change into the wanted link (another kind or remote end) and was deleted and created again. */
    RECREATED,
    /** It was equal but needed a smaller change (brought up, an address or sysctl fixed). */
    UPDATED
}
