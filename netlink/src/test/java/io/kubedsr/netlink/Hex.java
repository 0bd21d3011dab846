package io.kubedsr.netlink;

import java.util.HexFormat;

/** Golden byte listings: one header or attribute per line, "# comment" to the end of the line. */
public final class Hex {
    private Hex() {
    }

    public static byte[] golden(String listing) {
        StringBuilder hex = new StringBuilder();
        for (String line : listing.split("\n")) {
            int hash = line.indexOf('#');
            String code = hash < 0 ? line : line.substring(0, hash);
            hex.append(code.replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(hex.toString());
    }

    public static String dump(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length; i += 4) {
            sb.append(HexFormat.of().formatHex(bytes, i, Math.min(bytes.length, i + 4))).append(i % 16 == 12 ? "\n" : " ");
        }
        return sb.toString();
    }
}
