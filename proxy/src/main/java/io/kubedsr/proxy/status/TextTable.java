package io.kubedsr.proxy.status;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligned text columns: a header row, then rows; columns two spaces apart, right-aligned ones padded on the
 * left (numbers), no trailing blanks. Pure.
 */
final class TextTable {
    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> right = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    /** Adds a left-aligned column. */
    TextTable left(String header) {
        headers.add(header);
        right.add(false);
        return this;
    }

    /** Adds a right-aligned column (numbers). */
    TextTable right(String header) {
        headers.add(header);
        right.add(true);
        return this;
    }

    void row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
        }
        String[] text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(text);
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        int n = headers.size();
        int[] width = new int[n];
        for (int i = 0; i < n; i++) {
            width[i] = headers.get(i).length();
            for (String[] r : rows) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers.toArray(String[]::new), width);
        for (String[] r : rows) {
            line(sb, r, width);
        }
        return sb.toString();
    }

    private void line(StringBuilder sb, String[] cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(width[i] - cells[i].length());
            line.append(right.get(i) ? pad + cells[i] : cells[i] + pad);
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }
}
