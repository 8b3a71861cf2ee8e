package org.mal.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A plain text table with columns padded to their widest cell. */
public final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    public Table(String... header) { this.header = header; }

    public void row(String... cells) {
        if (cells.length != header.length) throw new IllegalArgumentException(cells.length + " cells for " + header.length + " columns");
        rows.add(cells);
    }

    public void print(PrintWriter out) {
        int[] width = new int[header.length];
        for (int c = 0; c < header.length; c++) width[c] = header[c].length();
        for (String[] r : rows) for (int c = 0; c < r.length; c++) width[c] = Math.max(width[c], r[c].length());
        line(out, header, width);
        String[] rule = new String[header.length];
        for (int c = 0; c < header.length; c++) rule[c] = "-".repeat(width[c]);
        line(out, rule, width);
        for (String[] r : rows) line(out, r, width);
    }

    /** The table in Markdown (GitHub's pipe tables), for pasting into docs/RESULTS.md. */
    public void printMarkdown(PrintWriter out) {
        out.println("| " + String.join(" | ", header) + " |");
        out.println("|" + " --- |".repeat(header.length));
        for (String[] r : rows) out.println("| " + String.join(" | ", r) + " |");
    }

    private static void line(PrintWriter out, String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) sb.append("  ");
            sb.append(cells[c]).append(" ".repeat(width[c] - cells[c].length()));
        }
        out.println(sb.toString().stripTrailing());
    }
}
