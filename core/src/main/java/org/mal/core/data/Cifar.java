package org.mal.core.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 and CIFAR-100 (the {@code .bin} files inside
 * {@code cifar-10-binary.tar.gz} / {@code cifar-100-binary.tar.gz}, not gzipped themselves).
 *
 * <p>CIFAR-10 record: 1 label byte (0..9), then 3072 pixel bytes. CIFAR-100 record: 1 coarse label
 * byte (0..19), 1 fine label byte (0..99), then 3072 pixel bytes. The pixels are 1024 red, 1024
 * green, 1024 blue values, each plane a row-major 32x32 image. Features are {@code value / 255f} in
 * that channel-major order, 3072 per image. Files are concatenated in the order given.
 */
public final class Cifar {
    public static final int PIXELS = 3 * 32 * 32;
    public static final int CIFAR10_CLASSES = 10;
    public static final int CIFAR100_COARSE_CLASSES = 20;
    public static final int CIFAR100_FINE_CLASSES = 100;

    private Cifar() {}

    /** Reads CIFAR-10 batch files ({@code data_batch_1.bin} .. {@code test_batch.bin}). */
    public static Dataset readCifar10(String name, List<Path> batchFiles) throws IOException {
        return read(name, batchFiles, 1, 0, CIFAR10_CLASSES);
    }

    /**
     * Reads CIFAR-100 files ({@code train.bin}, {@code test.bin}) with the fine (100 classes) or
     * coarse (20 superclasses) labels.
     */
    public static Dataset readCifar100(String name, List<Path> files, boolean fineLabels) throws IOException {
        return read(name, files, 2, fineLabels ? 1 : 0, fineLabels ? CIFAR100_FINE_CLASSES : CIFAR100_COARSE_CLASSES);
    }

    /**
     * @param labelBytes label bytes before the pixels of each record
     * @param labelIndex which of them is the label used
     */
    private static Dataset read(String name, List<Path> files, int labelBytes, int labelIndex, int classCount) throws IOException {
        int recordSize = labelBytes + PIXELS;
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size == 0 || size % recordSize != 0) {
                throw new IOException(f + ": size " + size + " bytes is not a positive multiple of the " + recordSize
                        + "-byte record (" + labelBytes + " label byte(s) + " + PIXELS + " pixels)");
            }
            total += size / recordSize;
        }
        if (total * PIXELS > Integer.MAX_VALUE - 8) {
            throw new IOException("dataset " + name + ": " + total + " images do not fit one float array");
        }
        int n = (int) total;
        float[] scale = new float[256];
        for (int v = 0; v < 256; v++) scale[v] = v / 255f;
        float[] features = new float[n * PIXELS];
        int[] labels = new int[n];
        byte[] record = new byte[recordSize];
        int row = 0;
        for (Path f : files) {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
                for (int r = 0; ; r++) {
                    int got = in.readNBytes(record, 0, recordSize);
                    if (got == 0) break;
                    if (got < recordSize) throw new IOException(f + ": record " + r + " is cut short (file changed while reading?)");
                    if (row == n) throw new IOException(f + ": more records than its size announced (file changed while reading?)");
                    int label = record[labelIndex] & 0xFF;
                    if (label >= classCount) {
                        throw new IOException(f + ": record " + r + " has label " + label + ", outside [0, " + classCount + ")");
                    }
                    labels[row] = label;
                    int base = row * PIXELS;
                    for (int i = 0; i < PIXELS; i++) features[base + i] = scale[record[labelBytes + i] & 0xFF];
                    row++;
                }
            }
        }
        if (row != n) throw new IOException("dataset " + name + ": expected " + n + " records, read " + row + " (files changed while reading?)");
        return new Dataset(name, PIXELS, classCount, features, labels);
    }
}
