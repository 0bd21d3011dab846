package io.kubedsr.ipvs;

/** IPVS version (e.g. 0x010201 = 1.2.1) and connection hash table size. */
public record IpvsInfo(int version, int connectionTableSize) {
    public String versionString() {
        return ((version >> 16) & 0xFF) + "." + ((version >> 8) & 0xFF) + "." + (version & 0xFF);
    }
}
