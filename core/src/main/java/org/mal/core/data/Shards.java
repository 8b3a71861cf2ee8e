package org.mal.core.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.mal.core.Sha256;

/**
 * Partitions of a training set's rows into shards, as in federated learning: each model of a zoo
 * may be trained on one shard, so that it knows part of the task. Every method returns row indices
 * of the dataset the labels come from, each shard sorted ascending; the shards of one partition are
 * disjoint and together cover exactly the rows given.
 *
 * <ul>
 *   <li>{@link #iid IID}: the rows are shuffled and cut into {@code count} consecutive parts whose
 *       sizes differ by at most one (the first {@code size % count} parts get one more).
 *   <li>{@link #dirichlet Non-IID}: label skew drawn per class from a symmetric Dirichlet (Hsu, Qi
 *       and Brown 2019, "Measuring the effects of non-identical data distribution"): for each class
 *       c, proportions p_c ~ Dir(α, …, α) over the shards; class c's rows, shuffled, are dealt to
 *       the shards in those proportions (largest remainders, ties to the lower shard). Small α gives
 *       shards dominated by few classes; large α approaches IID. A draw in which some shard gets
 *       fewer than {@code minRows} rows is drawn again (from the same random stream), at most
 *       {@value #MAX_DRAWS} times.
 * </ul>
 * Randomness comes from {@code new Random(Splits.streamSeed(seed, …))}, so all 64 bits of the seed
 * matter and equal seeds give equal partitions on every JVM.
 */
public final class Shards {
    /** Dirichlet draws tried before giving up on {@code minRows}. */
    public static final int MAX_DRAWS = 1000;

    private static final long STREAM = 0x5348_4152_4453L; // "SHARDS"

    private Shards() {}

    /**
     * IID shards of {@code rows}. {@code rows} is not modified.
     *
     * @return {@code count} shards, each sorted ascending
     */
    public static int[][] iid(int[] rows, int count, long seed) {
        checkCount(rows, count);
        int[] shuffled = rows.clone();
        Arrays.sort(shuffled); // the partition depends on the set of rows, not on the order they were given in
        Splits.shuffle(shuffled, new Random(Splits.streamSeed(seed, STREAM)));
        int[][] out = new int[count][];
        int from = 0;
        for (int k = 0; k < count; k++) {
            int size = rows.length / count + (k < rows.length % count ? 1 : 0);
            out[k] = Arrays.copyOfRange(shuffled, from, from + size);
            Arrays.sort(out[k]);
            from += size;
        }
        return out;
    }

    /**
     * Label-skewed shards of {@code rows} (see the class comment). {@code rows} and {@code labels}
     * are not modified; {@code labels[r]} is the class of row {@code r}.
     *
     * @param alpha Dirichlet concentration, the same for every shard
     * @param minRows the least number of rows a shard may get
     * @return {@code count} shards, each sorted ascending
     * @throws IllegalArgumentException if no draw in {@value #MAX_DRAWS} gives every shard {@code minRows} rows
     */
    public static int[][] dirichlet(int[] rows, int[] labels, int classCount, int count, double alpha, int minRows, long seed) {
        checkCount(rows, count);
        if (minRows < 0 || (long) minRows * count > rows.length) {
            throw new IllegalArgumentException(count + " shards of at least " + minRows + " rows need more than the " + rows.length + " rows given");
        }
        Random random = new Random(Splits.streamSeed(seed, STREAM + 1));
        int[][] byClass = byClass(rows, labels, classCount);
        for (int[] classRows : byClass) Splits.shuffle(classRows, random);
        int[][] take = new int[classCount][];
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            int[] sizes = new int[count];
            for (int c = 0; c < classCount; c++) {
                take[c] = deal(byClass[c].length, Dirichlet.symmetric(alpha, count, random));
                for (int k = 0; k < count; k++) sizes[k] += take[c][k];
            }
            if (Arrays.stream(sizes).min().orElse(0) >= minRows) return assemble(byClass, take, sizes);
        }
        throw new IllegalArgumentException("no Dirichlet(alpha = " + alpha + ") draw in " + MAX_DRAWS + " gave each of " + count
                + " shards at least " + minRows + " of " + rows.length + " rows; raise alpha or lower the minimum");
    }

    /** Rows per class among {@code rows}, as a histogram. */
    public static int[] classCounts(int[] rows, int[] labels, int classCount) {
        int[] counts = new int[classCount];
        for (int r : rows) counts[labels[r]]++;
        return counts;
    }

    /** {@code 0, 1, …, size − 1} without the given rows, ascending. {@code without} is not modified. */
    public static int[] complement(int size, int[] without) {
        boolean[] out = new boolean[size];
        for (int r : without) {
            if (r < 0 || r >= size) throw new IndexOutOfBoundsException("row " + r + " of " + size);
            out[r] = true;
        }
        int n = 0;
        for (boolean o : out) if (!o) n++;
        int[] rest = new int[n];
        int i = 0;
        for (int r = 0; r < size; r++) if (!out[r]) rest[i++] = r;
        return rest;
    }

    /**
     * SHA-256 (hex) of a set of row indices: "mal-rows-v1", the count, then the indices sorted
     * ascending, each as int32 big-endian. Order-independent. {@code rows} is not modified.
     */
    public static String rowsHash(int[] rows) {
        int[] sorted = rows.clone();
        Arrays.sort(sorted);
        MessageDigest digest = Sha256.digest();
        digest.update("mal-rows-v1".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * sorted.length).order(ByteOrder.BIG_ENDIAN);
        buffer.putInt(sorted.length);
        for (int r : sorted) buffer.putInt(r);
        digest.update(buffer.array());
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Splits {@code n} rows by the proportions {@code p}: floors, then the largest remainders (ties to the lower index). */
    static int[] deal(int n, double[] p) {
        int[] out = new int[p.length];
        double[] remainder = new double[p.length];
        int given = 0;
        for (int k = 0; k < p.length; k++) {
            double exact = n * p[k];
            out[k] = Math.min(n, (int) Math.floor(exact));
            remainder[k] = exact - out[k];
            given += out[k];
        }
        // rounding can overshoot by a row when the p sum to slightly above 1
        for (int k = p.length - 1; given > n; k = (k + p.length - 1) % p.length) {
            if (out[k] > 0) { out[k]--; given--; }
        }
        for (int left = n - given; left > 0; left--) {
            int best = 0;
            for (int k = 1; k < p.length; k++) if (remainder[k] > remainder[best]) best = k;
            out[best]++;
            remainder[best] = -1;
        }
        return out;
    }

    private static int[][] assemble(int[][] byClass, int[][] take, int[] sizes) {
        int count = sizes.length;
        int[][] out = new int[count][];
        int[] fill = new int[count];
        for (int k = 0; k < count; k++) out[k] = new int[sizes[k]];
        for (int c = 0; c < byClass.length; c++) {
            int from = 0;
            for (int k = 0; k < count; k++) {
                System.arraycopy(byClass[c], from, out[k], fill[k], take[c][k]);
                fill[k] += take[c][k];
                from += take[c][k];
            }
        }
        for (int[] shard : out) Arrays.sort(shard);
        return out;
    }

    private static int[][] byClass(int[] rows, int[] labels, int classCount) {
        int[] counts = classCounts(rows, labels, classCount);
        int[][] out = new int[classCount][];
        for (int c = 0; c < classCount; c++) out[c] = new int[counts[c]];
        int[] fill = new int[classCount];
        int[] sorted = rows.clone();
        Arrays.sort(sorted); // the partition depends on the set of rows, not on the order they were given in
        for (int r : sorted) out[labels[r]][fill[labels[r]]++] = r;
        return out;
    }

    private static void checkCount(int[] rows, int count) {
        if (count < 1) throw new IllegalArgumentException("shard count must be at least 1, got " + count);
        if (count > rows.length) throw new IllegalArgumentException("cannot cut " + rows.length + " rows into " + count + " shards");
    }
}
