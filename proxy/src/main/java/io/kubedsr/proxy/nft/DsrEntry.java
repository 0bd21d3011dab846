package io.kubedsr.proxy.nft;

import io.kubedsr.ipvs.VirtualServerKey;

/** A DSR service in the nftables table: the address, protocol and port clients use, and its mark. */
public record DsrEntry(VirtualServerKey.ByAddress service, int mark) {
}
