package org.mal.core.data;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Products {@code X·Wᵀ} of a dataset's features {@code X} ([rows, features], float32) with float32
 * weight matrices {@code W} ([out, features]), memoised column by column: column {@code j} of the
 * product depends only on row {@code j} of {@code W}, so it is kept under that row's content and
 * never multiplied again.
 *
 * <p>Why: merges of zoo models repeat first-layer rows endlessly. An aligned or naive transplant's
 * first layer is the target's rows permuted, cropped or zero-padded (the input pixels are matched
 * to themselves), and every move, figure1 pair or laws-check pair of one base multiplies the base's
 * rows again. On 1,000 rows and 784 features each such product cost as much as the whole rest of a
 * merge's curves (docs/RESULTS.md §27f).
 *
 * <p>Values equal a plain {@code Nd4j.gemm(X, W, false, true)} up to rounding only: BLAS may sum a
 * column in a different order depending on which other columns share its product.
 *
 * <p>Bounded: the least recently used columns are dropped beyond {@value #MAX_BYTES} bytes (columns
 * and their keys). Thread-safe
 * (workers of a search share a dataset); a product is computed outside the lock.
 */
public final class FeatureProducts {
    /** Memory bound of the cached columns, per dataset. */
    public static final long MAX_BYTES = 64L << 20;

    private final INDArray features;
    private final int rows;
    private final int width;
    private final LinkedHashMap<Row, float[]> columns = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long computed;
    private long reused;

    /** @param features [rows, width] float32, contiguous; not modified, kept */
    FeatureProducts(INDArray features) {
        if (features.dataType() != DataType.FLOAT || features.rank() != 2) {
            throw new IllegalArgumentException("features must be a float32 matrix, got " + features.dataType() + " " + Arrays.toString(features.shape()));
        }
        this.features = features;
        this.rows = (int) features.rows();
        this.width = (int) features.columns();
    }

    /**
     * {@code X·Wᵀ} as a new float32 array [rows, out] the caller owns. Rows of {@code W} seen before
     * (same values, bit for bit) are read from memory; the others are multiplied in one product.
     *
     * @param w [out, features] float32; not modified
     */
    public INDArray times(INDArray w) {
        if (w.dataType() != DataType.FLOAT || w.rank() != 2 || w.columns() != width) {
            throw new IllegalArgumentException("need a float32 [out, " + width + "] matrix, got " + w.dataType() + " " + Arrays.toString(w.shape()));
        }
        int out = (int) w.rows();
        float[] flat = floats(w);
        Row[] keys = new Row[out];
        for (int j = 0; j < out; j++) keys[j] = new Row(Arrays.copyOfRange(flat, j * width, (j + 1) * width));
        float[][] colOf = new float[out][];
        Map<Row, Integer> missing = new HashMap<>();
        List<Row> toCompute = new ArrayList<>();
        synchronized (this) {
            for (int j = 0; j < out; j++) {
                colOf[j] = columns.get(keys[j]);
                if (colOf[j] == null && !missing.containsKey(keys[j])) {
                    missing.put(keys[j], toCompute.size());
                    toCompute.add(keys[j]);
                }
            }
            computed += toCompute.size();
            reused += out - toCompute.size();
        }
        if (!toCompute.isEmpty()) {
            int m = toCompute.size();
            float[] wm = new float[m * width];
            for (int k = 0; k < m; k++) System.arraycopy(toCompute.get(k).values, 0, wm, k * width, width);
            INDArray wmat = Nd4j.create(DataType.FLOAT, new long[] {m, width}, 'c');
            wmat.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(wm);
            float[] pf = floats(Nd4j.gemm(features, wmat, false, true));
            float[][] fresh = new float[m][rows];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < m; k++) fresh[k][r] = pf[r * m + k];
            }
            for (int j = 0; j < out; j++) if (colOf[j] == null) colOf[j] = fresh[missing.get(keys[j])];
            synchronized (this) {
                for (int k = 0; k < m; k++) {
                    if (columns.put(toCompute.get(k), fresh[k]) == null) bytes += entryBytes();
                }
                Iterator<float[]> it = columns.values().iterator();
                while (bytes > MAX_BYTES && it.hasNext()) {
                    it.next();
                    it.remove();
                    bytes -= entryBytes();
                }
            }
        }
        float[] z = new float[rows * out];
        for (int j = 0; j < out; j++) {
            float[] c = colOf[j];
            for (int r = 0; r < rows; r++) z[r * out + j] = c[r];
        }
        if (z.length == 0) return Nd4j.create(z, new long[] {rows, out}, DataType.FLOAT);
        INDArray result = Nd4j.create(DataType.FLOAT, new long[] {rows, out}, 'c');
        result.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(z);
        return result;
    }

    /**
     * A float32 matrix's values, row-major, by one bulk copy out of native memory ({@code
     * data().asFloat()} and {@code Nd4j.create(float[])} go value by value and cost as much as the
     * product they are meant to save).
     */
    private static float[] floats(INDArray m) {
        INDArray c = m.isView() || m.ordering() != 'c' || m.offset() != 0 || m.data().length() != m.length() ? m.dup('c') : m;
        float[] out = new float[(int) c.length()];
        if (out.length == 0) return out;
        c.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        return out;
    }

    /** A cached column and its key: the column's rows and the weight row's values. */
    private long entryBytes() { return 4L * (rows + width); }

    /** Columns multiplied so far, and columns read from memory. */
    public synchronized long[] counts() { return new long[] {computed, reused}; }

    /** A weight row as a key: equal when equal bit for bit. */
    private static final class Row {
        final float[] values;
        final int hash;

        Row(float[] values) {
            this.values = values;
            this.hash = Arrays.hashCode(values);
        }

        @Override
        public boolean equals(Object o) { return o instanceof Row r && r.hash == hash && Arrays.equals(r.values, values); }

        @Override
        public int hashCode() { return hash; }
    }
}
