package io.kubedsr.proxy.kernel;

import java.util.Locale;

/**
 * Where one sync's time went, in nanoseconds (zero for a step it did not run): DSR marks recovered from the kernel,
 * planning the Services into the table, the dump of IPVS and the VIPs (full syncs), the VIPs' writes, DSR's rules
 * and receivers, the nftables table, the IPVS diff and the IPVS writes.
 */
public record SyncPhases(long marks, long plan, long dump, long vips, long dsr, long nft, long diff, long ipvs) {
    public static final SyncPhases NONE = new SyncPhases(0, 0, 0, 0, 0, 0, 0, 0);

    /** Pure computation: planning and the IPVS diff. */
    public long planning() {
        return plan + diff;
    }

    /** Kernel reads and writes: everything else. */
    public long kernel() {
        return marks + dump + vips + dsr + nft + ipvs;
    }

    /** {@code marks_ms=.. plan_ms=..}: the log line's form. */
    public String describe() {
        return String.format(Locale.ROOT, "marks_ms=%d plan_ms=%d dump_ms=%d vips_ms=%d dsr_ms=%d nft_ms=%d diff_ms=%d ipvs_ms=%d",
                ms(marks), ms(plan), ms(dump), ms(vips), ms(dsr), ms(nft), ms(diff), ms(ipvs));
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
