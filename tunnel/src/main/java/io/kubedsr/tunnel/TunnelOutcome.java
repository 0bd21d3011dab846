package io.kubedsr.tunnel;

/** What ensuring a tunnel or receiver did. */
public enum TunnelOutcome {
    /** It was there and equal: nothing was written. */
    UNCHANGED,
    /** It was missing and was created. */
    CREATED,
    /** It existed with other settings (encapsulation, port, endpoints) and was deleted and created again. */
    RECREATED,
    /** It was equal but needed a smaller change (brought up, an address or sysctl fixed). */
    UPDATED
}
