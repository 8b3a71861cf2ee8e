package org.mal.core.data;

import java.util.Random;

/**
 * Stratified, seeded splits of labelled rows. One implementation serves both the MNIST conversion
 * ({@link MnistJson}) and validation hold-outs ({@link #split}).
 *
 * <p>Scheme, given the labels, a number {@code k} of rows to select and a seed:
 * <ol>
 *   <li>{@link #allocate Allocation}: class {@code c} with {@code n_c} of {@code N} rows gets the
 *       quota {@code k * n_c / N}; every class first gets the floor of its quota, and the rows still
 *       missing go one each to the classes with the largest remainders, ties to the lower class
 *       index. Exact integer arithmetic; the counts sum to exactly {@code k}.
 *   <li>Selection: each class's row indices, in ascending order, are shuffled (Fisher–Yates, as
 *       {@code java.util.Collections.shuffle}) with {@code new Random(streamSeed(seed, c))}; the
 *       first {@code k_c} of them are selected, the others are the rest.
 *   <li>Order: the selected rows (collected class by class) are shuffled with
 *       {@code streamSeed(seed, -1)}, the rest with {@code streamSeed(seed, -2)}, so neither part is
 *       sorted by class.
 * </ol>
 * {@code streamSeed(seed, s)} is the SplitMix64 finalizer of {@code seed + s * 0x9E3779B97F4A7C15},
 * so that all 64 bits of the seed matter ({@code java.util.Random} itself uses only the low 48).
 */
public final class Splits {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Splits() {}

    /** Row indices of the two parts of a split; both in shuffled order. */
    public record Partition(int[] selected, int[] rest) {}

    /**
     * Splits {@code d} by class into two datasets: {@code parts[1]} (named {@code nameB}, the held-out
     * part) gets {@code Math.round(fraction * d.size())} rows, {@code parts[0]} ({@code nameA}) the
     * others; each class is divided in about the same proportion. {@code d} is not modified.
     */
    public static Dataset[] split(Dataset d, double fraction, long seed, String nameA, String nameB) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("dataset " + d.name() + ": split fraction must be in [0, 1], got " + fraction);
        }
        int held = (int) Math.round(fraction * d.size());
        Partition p = stratified(d.labels(), d.classCount(), held, seed);
        return new Dataset[] {d.subset(nameA, p.rest()), d.subset(nameB, p.selected())};
    }

    /**
     * Selects {@code selectCount} of the rows, stratified by label; see the class comment for the
     * exact scheme. {@code labels} is not modified.
     */
    public static Partition stratified(int[] labels, int classCount, int selectCount, long seed) {
        if (selectCount < 0 || selectCount > labels.length) {
            throw new IllegalArgumentException("cannot select " + selectCount + " of " + labels.length + " rows");
        }
        int[][] byClass = rowsByClass(labels, classCount);
        int[] counts = new int[classCount];
        for (int c = 0; c < classCount; c++) counts[c] = byClass[c].length;
        int[] quota = allocate(counts, selectCount);
        int[] selected = new int[selectCount];
        int[] rest = new int[labels.length - selectCount];
        int s = 0;
        int r = 0;
        for (int c = 0; c < classCount; c++) {
            int[] rows = byClass[c];
            shuffle(rows, new Random(streamSeed(seed, c)));
            for (int i = 0; i < rows.length; i++) {
                if (i < quota[c]) selected[s++] = rows[i];
                else rest[r++] = rows[i];
            }
        }
        shuffle(selected, new Random(streamSeed(seed, -1)));
        shuffle(rest, new Random(streamSeed(seed, -2)));
        return new Partition(selected, rest);
    }

    /**
     * Largest-remainder allocation of {@code total} among classes of the given sizes: result[c] is
     * {@code floor(total * counts[c] / N)} plus one for the classes with the largest remainders
     * (ties to the lower index) until the sum is exactly {@code total}. Never exceeds counts[c].
     */
    public static int[] allocate(int[] counts, int total) {
        long n = 0;
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < 0) throw new IllegalArgumentException("class " + c + " has negative count " + counts[c]);
            n += counts[c];
        }
        if (total < 0 || total > n) throw new IllegalArgumentException("cannot allocate " + total + " of " + n + " rows");
        int[] out = new int[counts.length];
        if (total == 0) return out;
        long[] remainder = new long[counts.length];
        long given = 0;
        for (int c = 0; c < counts.length; c++) {
            long scaled = (long) total * counts[c];
            out[c] = (int) (scaled / n);
            remainder[c] = scaled % n;
            given += out[c];
        }
        for (long left = total - given; left > 0; left--) {
            int best = -1;
            for (int c = 0; c < counts.length; c++) {
                if (remainder[c] > 0 && (best < 0 || remainder[c] > remainder[best])) best = c;
            }
            out[best]++;
            remainder[best] = 0;
        }
        return out;
    }

    /** Seed of random stream {@code stream} derived from {@code seed} (SplitMix64 finalizer). */
    public static long streamSeed(long seed, long stream) {
        long z = seed + stream * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fisher–Yates shuffle in place, the same sequence of swaps as {@code Collections.shuffle}. */
    public static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static int[][] rowsByClass(int[] labels, int classCount) {
        int[] counts = new int[classCount];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classCount) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + classCount + ")");
            }
            counts[labels[i]]++;
        }
        int[][] rows = new int[classCount][];
        for (int c = 0; c < classCount; c++) rows[c] = new int[counts[c]];
        int[] fill = new int[classCount];
        for (int i = 0; i < labels.length; i++) rows[labels[i]][fill[labels[i]]++] = i;
        return rows;
    }
}
