package org.mal.core.zoo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The five shape families of the MAL paper's zoo (§4): how hidden widths change with depth.
 * Widths are laid out on a log₂ scale between the smallest and largest allowed width and snapped to
 * the nearest allowed width (halves round up), so every family uses only widths from the given set.
 * Depth here is the number of hidden layers.
 */
public enum ShapeFamily {
    /** Every hidden layer has the same width; one architecture per allowed width. */
    EQUAL("equal"),
    /** From the widest to the narrowest width. */
    WIDE_TO_NARROW("wide-to-narrow"),
    /** From the narrowest to the widest width. */
    NARROW_TO_WIDE("narrow-to-wide"),
    /** Narrow at both ends, widest in the middle (needs depth ≥ 3). */
    PYRAMID("pyramid"),
    /** Wide at both ends, narrowest in the middle (needs depth ≥ 3). */
    INVERSE_PYRAMID("inverse-pyramid");

    private final String label;

    ShapeFamily(String label) { this.label = label; }

    public String label() { return label; }

    public static ShapeFamily parse(String name) {
        for (ShapeFamily f : values()) if (f.label.equals(name.trim().toLowerCase(Locale.ROOT))) return f;
        throw new IllegalArgumentException("unknown shape family '" + name + "'; choose one of "
                + Arrays.stream(values()).map(ShapeFamily::label).toList());
    }

    /** Hidden-width lists of this family at one depth; empty where the family needs more depth. */
    public List<List<Integer>> shapes(int depth, List<Integer> allowedWidths) {
        if (depth < 1) throw new IllegalArgumentException("depth must be at least 1, got " + depth);
        if (allowedWidths.isEmpty()) throw new IllegalArgumentException("no widths given");
        int[] widths = allowedWidths.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        for (int w : widths) if (w <= 0) throw new IllegalArgumentException("widths must be positive, got " + w);
        List<List<Integer>> out = new ArrayList<>();
        if (this == EQUAL) {
            for (int w : widths) out.add(repeat(w, depth));
            return out;
        }
        shape(depth, widths).ifPresent(out::add);
        return out;
    }

    private Optional<List<Integer>> shape(int depth, int[] widths) {
        boolean tent = this == PYRAMID || this == INVERSE_PYRAMID;
        if ((tent && depth < 3) || depth < 2) return Optional.empty();
        double lo = log2(widths[0]);
        double hi = log2(widths[widths.length - 1]);
        List<Integer> shape = new ArrayList<>();
        for (int k = 0; k < depth; k++) {
            double t = (double) k / (depth - 1);
            double level = switch (this) {
                case WIDE_TO_NARROW -> 1 - t;
                case NARROW_TO_WIDE -> t;
                case PYRAMID -> 1 - Math.abs(2 * t - 1);
                case INVERSE_PYRAMID -> Math.abs(2 * t - 1);
                case EQUAL -> throw new AssertionError();
            };
            shape.add(nearest(lo + level * (hi - lo), widths));
        }
        return Optional.of(shape);
    }

    private static int nearest(double log2Width, int[] widths) {
        int best = widths[0];
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int w : widths) {
            double d = Math.abs(log2(w) - log2Width);
            // ties go to the wider width ("halves round up")
            if (d < bestDistance - 1e-9 || (Math.abs(d - bestDistance) <= 1e-9 && w > best)) {
                best = w;
                bestDistance = d;
            }
        }
        return best;
    }

    private static double log2(double x) { return Math.log(x) / Math.log(2); }

    private static List<Integer> repeat(int w, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(w);
        return out;
    }
}
