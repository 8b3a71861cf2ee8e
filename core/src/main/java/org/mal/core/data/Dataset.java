package org.mal.core.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.mal.core.Sha256;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A labelled classification dataset held on the heap: {@code size} rows of {@code featureCount}
 * float features (row-major) and one class label per row.
 *
 * <p>Immutable: the arrays are never handed out for writing. Every dataset knows its name and a
 * content hash (SHA-256 over its shape, classes, features and labels, independent of the name) that
 * later becomes part of evaluation cache keys.
 */
public final class Dataset {
    private final String name;
    private final int featureCount;
    private final int classCount;
    private final float[] features;
    private final int[] labels;
    private volatile String contentHash;
    private volatile INDArray shared;
    private volatile FeatureProducts products;

    /**
     * @param features row-major, {@code labels.length * featureCount} values; not copied, the caller
     *     gives up ownership
     */
    public Dataset(String name, int featureCount, int classCount, float[] features, int[] labels) {
        this.name = Objects.requireNonNull(name, "name");
        if (featureCount <= 0) throw new IllegalArgumentException("dataset " + name + ": featureCount must be > 0, got " + featureCount);
        if (classCount < 2) throw new IllegalArgumentException("dataset " + name + ": classCount must be >= 2, got " + classCount);
        if ((long) labels.length * featureCount != features.length) {
            throw new IllegalArgumentException("dataset " + name + ": " + features.length + " feature values do not form "
                    + labels.length + " rows of " + featureCount);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classCount) {
                throw new IllegalArgumentException("dataset " + name + ": label " + labels[i] + " at row " + i
                        + " is outside [0, " + classCount + ")");
            }
        }
        this.featureCount = featureCount;
        this.classCount = classCount;
        this.features = features;
        this.labels = labels;
    }

    /** The rows of {@code a} then those of {@code b} (same features and classes), e.g. the data of two tasks. */
    public static Dataset concat(String name, Dataset a, Dataset b) {
        if (a.featureCount != b.featureCount || a.classCount != b.classCount) {
            throw new IllegalArgumentException("cannot join " + a + " and " + b + ": features or classes differ");
        }
        float[] f = java.util.Arrays.copyOf(a.features, a.features.length + b.features.length);
        System.arraycopy(b.features, 0, f, a.features.length, b.features.length);
        int[] l = java.util.Arrays.copyOf(a.labels, a.labels.length + b.labels.length);
        System.arraycopy(b.labels, 0, l, a.labels.length, b.labels.length);
        return new Dataset(name, a.featureCount, a.classCount, f, l);
    }

    public String name() { return name; }
    public int size() { return labels.length; }
    public int featureCount() { return featureCount; }
    public int classCount() { return classCount; }
    public int label(int row) { return labels[row]; }
    public float feature(int row, int column) { return features[row * featureCount + column]; }

    /** Labels as a copy. */
    public int[] labels() { return labels.clone(); }

    /**
     * Every row as one float32 array of shape [size, featureCount], made on the first call and then
     * shared by every caller (and thread): it must not be modified; {@link #features(int, int)} gives
     * an array of one's own. For rows that are read again and again (a search evaluates every move on
     * the same selection rows): copying them into ND4J each time cost as much as a matrix product.
     */
    public INDArray sharedFeatures() {
        INDArray s = shared;
        if (s == null) {
            synchronized (this) {
                s = shared;
                if (s == null) {
                    s = features(0, size());
                    shared = s;
                }
            }
        }
        return s;
    }

    /**
     * Products of {@link #sharedFeatures} with float32 weight matrices, memoised by weight row
     * ({@link FeatureProducts}), made on the first call and shared by every caller (and thread).
     */
    public FeatureProducts featureProducts() {
        FeatureProducts p = products;
        if (p == null) {
            synchronized (this) {
                p = products;
                if (p == null) {
                    p = new FeatureProducts(sharedFeatures());
                    products = p;
                }
            }
        }
        return p;
    }

    /** Rows {@code [from, to)} as a new float32 array of shape [to - from, featureCount]. */
    public INDArray features(int from, int to) {
        checkRange(from, to);
        float[] rows = Arrays.copyOfRange(features, from * featureCount, to * featureCount);
        return array(rows, to - from, featureCount);
    }

    /** The given rows, in order, as a float32 array of shape [rows.length, featureCount]. */
    public INDArray features(int[] rows) {
        float[] out = new float[rows.length * featureCount];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(features, rows[i] * featureCount, out, i * featureCount, featureCount);
        }
        return array(out, rows.length, featureCount);
    }

    /** One-hot labels of rows {@code [from, to)}, float32 of shape [to - from, classCount]. */
    public INDArray oneHot(int from, int to) {
        checkRange(from, to);
        float[] out = new float[(to - from) * classCount];
        for (int i = from; i < to; i++) out[(i - from) * classCount + labels[i]] = 1f;
        return array(out, to - from, classCount);
    }

    /** One-hot labels of the given rows, in order. */
    public INDArray oneHot(int[] rows) {
        float[] out = new float[rows.length * classCount];
        for (int i = 0; i < rows.length; i++) out[i * classCount + labels[rows[i]]] = 1f;
        return array(out, rows.length, classCount);
    }

    /** A new dataset made of the given rows, in order. */
    public Dataset subset(String newName, int[] rows) {
        float[] x = new float[rows.length * featureCount];
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= size()) {
                throw new IndexOutOfBoundsException("dataset " + name + ": row " + rows[i] + " of " + size());
            }
            System.arraycopy(features, rows[i] * featureCount, x, i * featureCount, featureCount);
            y[i] = labels[rows[i]];
        }
        return new Dataset(newName, featureCount, classCount, x, y);
    }

    /** Number of rows per class. */
    public int[] classCounts() {
        int[] counts = new int[classCount];
        for (int y : labels) counts[y]++;
        return counts;
    }

    /**
     * SHA-256 (hex) of: "mal-dataset-v1", size, featureCount, classCount (int32 big-endian each),
     * then every feature as float32 little-endian, then every label as int32 little-endian. The name
     * is deliberately not part of it: equal content gives an equal hash.
     */
    public String contentHash() {
        String h = contentHash;
        if (h == null) {
            h = computeHash();
            contentHash = h;
        }
        return h;
    }

    private String computeHash() {
        MessageDigest digest = Sha256.digest();
        digest.update("mal-dataset-v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN);
        head.putInt(size()).putInt(featureCount).putInt(classCount);
        digest.update(head.array());
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : features) {
            if (!chunk.hasRemaining()) { digest.update(chunk.array(), 0, chunk.position()); chunk.clear(); }
            chunk.putFloat(f);
        }
        for (int y : labels) {
            if (!chunk.hasRemaining()) { digest.update(chunk.array(), 0, chunk.position()); chunk.clear(); }
            chunk.putInt(y);
        }
        digest.update(chunk.array(), 0, chunk.position());
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * A new float32 array [rows, cols] holding {@code values} (row-major), by one bulk copy into native
     * memory: {@code Nd4j.create(float[], ...)} copies value by value, which showed in every
     * training step's batch and in figure1's profile.
     */
    private static INDArray array(float[] values, int rows, int cols) {
        if (values.length == 0) return Nd4j.create(values, new long[] {rows, cols}, DataType.FLOAT);
        INDArray a = Nd4j.create(DataType.FLOAT, new long[] {rows, cols}, 'c');
        a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
        return a;
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > size() || from > to) {
            throw new IndexOutOfBoundsException("dataset " + name + ": rows [" + from + ", " + to + ") of " + size());
        }
    }

    @Override
    public String toString() {
        return name + " (" + size() + " x " + featureCount + ", " + classCount + " classes)";
    }
}
