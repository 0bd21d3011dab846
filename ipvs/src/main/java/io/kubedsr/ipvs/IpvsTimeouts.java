package io.kubedsr.ipvs;

/** Global IPVS timeouts in seconds (ipvsadm --set tcp tcpfin udp); 0 in a set request leaves one unchanged. */
public record IpvsTimeouts(int tcp, int tcpFin, int udp) {
    public IpvsTimeouts {
        if (tcp < 0 || tcpFin < 0 || udp < 0) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }
}
