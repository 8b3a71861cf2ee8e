package org.mal.core.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the IDX format of the MNIST family.
 *
 * <p>Format: two zero bytes, a type byte ({@link IdxType}: 0x08 unsigned byte, 0x09 signed byte, 0x0B
 * short, 0x0C int, 0x0D float, 0x0E double), a byte with the number of dimensions, each dimension as
 * a big-endian int32, then the elements big-endian in row-major order, and nothing after them.
 * Files may be gzipped; that is detected from the gzip magic bytes 1f 8b, not from the file name.
 *
 * <p>Every error is an {@link IOException} whose message starts with the file's path.
 */
public final class Idx {
    private static final int BUFFER = 1 << 16;
    /** Largest byte array the JVM reliably allocates. */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private Idx() {}

    /** Reads a raw or gzipped IDX file completely. */
    public static IdxArray read(Path file) throws IOException {
        try (InputStream in = open(file)) {
            byte[] magic = new byte[4];
            int got = readFully(in, magic);
            if (got < 4) throw error(file, "truncated: " + got + " bytes, shorter than the 4-byte IDX magic number");
            if (magic[0] != 0 || magic[1] != 0) {
                throw error(file, String.format("bad magic number %02x %02x %02x %02x, an IDX file starts with 00 00 <type> <dims>",
                        magic[0], magic[1], magic[2], magic[3]));
            }
            IdxType type = IdxType.ofCode(magic[2] & 0xFF);
            if (type == null) {
                throw error(file, String.format("unsupported IDX type byte 0x%02x (supported: %s)", magic[2] & 0xFF, supportedTypes()));
            }
            int rank = magic[3] & 0xFF;
            if (rank == 0) throw error(file, "declares 0 dimensions");
            byte[] dimBytes = new byte[4 * rank];
            got = readFully(in, dimBytes);
            if (got < dimBytes.length) {
                throw error(file, "truncated: header declares " + rank + " dimensions but the file ends after " + got + " of their "
                        + dimBytes.length + " bytes");
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                int at = 4 * i;
                dims[i] = (dimBytes[at] << 24) | ((dimBytes[at + 1] & 0xFF) << 16) | ((dimBytes[at + 2] & 0xFF) << 8) | (dimBytes[at + 3] & 0xFF);
                if (dims[i] < 0) throw error(file, "dimension " + i + " is negative: " + dims[i]);
            }
            long bytes = dataBytes(file, type, dims);
            byte[] raw = new byte[(int) bytes];
            got = readFully(in, raw);
            if (got < raw.length) {
                throw error(file, "truncated: dims " + Arrays.toString(dims) + " of " + type + " need " + raw.length
                        + " data bytes, the file has " + got);
            }
            if (in.read() != -1) {
                throw error(file, "trailing bytes after the " + raw.length + " data bytes that dims " + Arrays.toString(dims)
                        + " of " + type + " declare");
            }
            return new IdxArray(type, dims, raw);
        } catch (FormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException(file + ": cannot read IDX data: " + e, e);
        }
    }

    /**
     * Writes unsigned bytes as an IDX file (type 0x08), gzipped or raw. The file is written under a
     * temporary sibling name and then moved into place, so it is either complete or absent. Gzip
     * output is deterministic (the JDK writes modification time 0).
     */
    public static void writeUnsignedBytes(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        write(file, new IdxArray(IdxType.UNSIGNED_BYTE, dims.clone(), data), gzip);
    }

    /** Writes any IDX array, gzipped or raw; see {@link #writeUnsignedBytes}. */
    public static void write(Path file, IdxArray array, boolean gzip) throws IOException {
        if (array.rank() > 255) throw new IllegalArgumentException(file + ": IDX allows at most 255 dimensions, got " + array.rank());
        Path part = file.resolveSibling("." + file.getFileName() + ".part");
        try (OutputStream os = Files.newOutputStream(part);
                OutputStream zipped = gzip ? new GZIPOutputStream(os, BUFFER) : os;
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(zipped, BUFFER))) {
            out.write(new byte[] {0, 0, (byte) array.type().code(), (byte) array.rank()});
            for (int d : array.dims()) out.writeInt(d);
            out.write(array.raw());
        } catch (IOException e) {
            Files.deleteIfExists(part);
            throw new IOException(file + ": cannot write IDX file: " + e, e);
        }
        try {
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Reads an image file (unsigned bytes, dims n x rows x cols) and a label file (unsigned bytes,
     * dims n) into a dataset with features {@code value / 255f}, each image flattened row-major to
     * {@code rows * cols} features.
     */
    public static Dataset readImagesAndLabels(String name, Path images, Path labels, int classCount) throws IOException {
        IdxArray x = read(images);
        IdxArray y = read(labels);
        if (x.type() != IdxType.UNSIGNED_BYTE || x.rank() != 3) {
            throw error(images, "expected unsigned-byte images of dims [n, rows, cols], got " + x.type() + " " + Arrays.toString(x.dims()));
        }
        if (y.type() != IdxType.UNSIGNED_BYTE || y.rank() != 1) {
            throw error(labels, "expected unsigned-byte labels of dims [n], got " + y.type() + " " + Arrays.toString(y.dims()));
        }
        int n = x.dim(0);
        if (y.dim(0) != n) {
            throw new IOException("image count and label count differ: " + images + " holds " + n + " images, " + labels
                    + " holds " + y.dim(0) + " labels");
        }
        byte[] labelBytes = y.unsignedBytes();
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) {
            classes[i] = labelBytes[i] & 0xFF;
            if (classes[i] >= classCount) {
                throw error(labels, "label " + classes[i] + " at index " + i + " is outside [0, " + classCount + ")");
            }
        }
        byte[] pixels = x.unsignedBytes();
        float[] scale = new float[256];
        for (int v = 0; v < 256; v++) scale[v] = v / 255f;
        float[] features = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) features[i] = scale[pixels[i] & 0xFF];
        return new Dataset(name, x.dim(1) * x.dim(2), classCount, features, classes);
    }

    private static InputStream open(Path file) throws IOException {
        BufferedInputStream in = new BufferedInputStream(Files.newInputStream(file), BUFFER);
        try {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) return new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER);
            return in;
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /** Byte count of the data, with the product of the dims checked against what an array can hold. */
    private static long dataBytes(Path file, IdxType type, int[] dims) throws FormatException {
        for (int d : dims) {
            if (d == 0) return 0;
        }
        long bytes = type.size();
        for (int d : dims) {
            bytes *= d;
            if (bytes > MAX_BYTES) {
                throw error(file, "dims " + Arrays.toString(dims) + " of " + type + " overflow: the data would exceed "
                        + MAX_BYTES + " bytes");
            }
        }
        return bytes;
    }

    /** Reads until {@code buf} is full or the stream ends; returns the number of bytes read. */
    private static int readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int n = in.read(buf, off, buf.length - off);
            if (n < 0) break;
            off += n;
        }
        return off;
    }

    private static String supportedTypes() {
        StringBuilder sb = new StringBuilder();
        for (IdxType t : IdxType.values()) {
            if (sb.length() > 0) sb.append(", ");
            sb.append(String.format("0x%02x %s", t.code(), t));
        }
        return sb.toString();
    }

    private static FormatException error(Path file, String message) {
        return new FormatException(file + ": " + message);
    }

    /** A malformed file, already described with its path. */
    private static final class FormatException extends IOException {
        FormatException(String message) { super(message); }
    }
}
