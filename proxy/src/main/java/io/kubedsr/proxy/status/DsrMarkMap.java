package io.kubedsr.proxy.status;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.kubedsr.ipvs.VirtualServerKey;
import io.kubedsr.netlink.IpPrefix;
import io.kubedsr.proxy.nft.NftRules;

/**
 * The DSR mark maps {@code dsr4}/{@code dsr6} ({@code ipv4_addr . inet_proto . inet_service : mark}) of a
 * listing of the nftables table {@code inet kube-dsr} ({@code NftTable.dsrMapListing()}), read with the agent's own
 * parser ({@link NftRules#marksOf}) so status and agent cannot disagree. Pure.
 */
public final class DsrMarkMap {
    /** One element: packets to address:port/protocol get the mark. */
    public record Entry(String family, String address, String protocol, int port, long mark) {
    }

    /** The maps' elements, sorted by family and mark; {@code present} false when the table holds neither map. */
    public record Contents(boolean present, List<Entry> entries) {
        public static final Contents ABSENT = new Contents(false, List.of());
    }

    private DsrMarkMap() {
    }

    /** {@code listing} null (no table): absent. */
    public static Contents parse(String listing) {
        if (listing == null || !(listing.contains("map dsr4 {") || listing.contains("map dsr6 {"))) {
            return Contents.ABSENT;
        }
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<VirtualServerKey.ByAddress, Integer> e : NftRules.marksOf(listing).entrySet()) {
            VirtualServerKey.ByAddress k = e.getKey();
            out.add(new Entry(StatusCollector.family(k.family()), IpPrefix.format(k.address()),
                    k.protocol().name().toLowerCase(Locale.ROOT), k.port(), Integer.toUnsignedLong(e.getValue())));
        }
        out.sort(Comparator.comparing(Entry::family).thenComparingLong(Entry::mark).thenComparing(Entry::address));
        return new Contents(true, out);
    }
}
