package io.kubedsr.proxy.nft;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.tunnel.Encapsulation;

/** A DSR service in the nftables table: the address, protocol and port clients use, its mark and encapsulation. */
public record DsrEntry(VirtualServerKey.ByAddress service, int mark, Encapsulation encapsulation) {
}
