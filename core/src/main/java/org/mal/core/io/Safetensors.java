package org.mal.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, the
 * Hugging Face format in which PyTorch users exchange weights; every model of a MAL zoo is one such file.
 *
 * <p>We wrote our own (a few hundred lines in this package) because ND4J has no safetensors support and the only
 * Java library is a snapshot that is not on Maven Central.
 *
 * <h2>Format</h2>
 * <pre>
 *   u64 N          8 bytes, little-endian: length of the header
 *   header         N bytes of UTF-8 JSON, e.g.
 *                  {"__metadata__":{"k":"v"},
 *                   "w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}, ...}
 *   data buffer    the rest of the file: each tensor's bytes, C order (row-major), little-endian
 * </pre>
 * {@code data_offsets} are {@code [begin, end)} relative to the start of the data buffer; together they must cover
 * the buffer exactly, without gaps or overlaps. {@code "__metadata__"} is optional and maps strings to strings.
 * A shape {@code []} is a scalar; a dimension 0 gives an empty tensor.
 *
 * <p>Like the reference writer we pad the header with spaces so that the data buffer starts 8-byte aligned. Unlike it
 * we do not re-sort tensors by dtype alignment: data is laid out in map order (readers do not require the sort).
 *
 * <p>Reading validates the whole header and throws {@link SafetensorsFormatException} naming the file and the
 * problem. Tensor data is memory-mapped one tensor at a time, so files may exceed 2 GB, but a single tensor is
 * limited to 2<sup>31</sup>-1 bytes.
 */
public final class Safetensors {

    /** Size of the reusable buffer through which tensor data is written, instead of one huge buffer per tensor. */
    private static final int WRITE_CHUNK_BYTES = 1 << 20;

    private Safetensors() {
    }

    /**
     * Writes tensors (iteration order of the map = header order; data laid out in that order) and string metadata.
     * FLOAT arrays are written as F32, DOUBLE as F64, INT64 as I64 (PyTorch's {@code num_batches_tracked}); other ND4J
     * types give an {@link IllegalArgumentException}.
     * Views and 'f'-ordered arrays are written in C order. The file is written to a temporary file in the same folder
     * and atomically renamed, so a crash never leaves a half-written file under the final name.
     *
     * @param metadata may be {@code null} or empty (no {@code "__metadata__"} is written then)
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        meta.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new IllegalArgumentException("metadata keys and values must not be null");
            }
        });

        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray array = e.getValue();
            if (name == null || array == null || name.equals(SafetensorsHeaderCodec.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name or null array: " + name);
            }
            SafetensorsDtype dtype = dtypeFor(name, array);
            if (array.length() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor '" + name + "' has more than 2^31-1 elements");
            }
            long end = offset + array.length() * dtype.size;
            infos.put(name, new TensorInfo(dtype.name(), array.shape(), offset, end));
            offset = end;
        }
        byte[] header = SafetensorsHeaderCodec.encode(infos, meta);

        Path target = file.toAbsolutePath();
        Path temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
                writeFully(out, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocateDirect(WRITE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
                    writeData(out, e.getValue(), chunk);
                }
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /**
     * Reads the whole file, memory-mapping the data of each tensor read-only. F32 becomes a FLOAT array, F64 DOUBLE,
     * F16 and BF16 are converted to FLOAT (exactly), I64 becomes LONG and I32 INT; other (valid) dtypes are rejected.
     * Tensors are returned in header order.
     */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long dataStart = dataStart(file, in);
            SafetensorsHeader header = parseHeader(file, in, dataStart);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, TensorInfo> e : header.tensors().entrySet()) {
                tensors.put(e.getKey(), readTensor(file, in, dataStart, e.getKey(), e.getValue()));
            }
            return new SafetensorsFile(tensors, header.metadata());
        }
    }

    /** Reads and validates only the header (8 + N bytes): names, dtypes, shapes, offsets and metadata. */
    public static SafetensorsHeader readHeader(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return parseHeader(file, in, dataStart(file, in));
        }
    }

    private static SafetensorsDtype dtypeFor(String name, INDArray array) {
        return SafetensorsDtype.forNd4j(array.dataType()).orElseThrow(() -> new IllegalArgumentException(
                "tensor '" + name + "' has ND4J type " + array.dataType() + "; only FLOAT (F32), DOUBLE (F64) and INT64 (I64)"
                        + " can be written; cast it first"));
    }

    /** Validates the length prefix and returns the file offset of the data buffer, 8 + N. */
    private static long dataStart(Path file, FileChannel in) throws IOException {
        long size = in.size();
        if (size < 8) {
            throw new SafetensorsFormatException(file,
                    "file is " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = readFully(file, in, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (headerLength < 0 || headerLength > SafetensorsHeaderCodec.MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " is absurd (limit " + SafetensorsHeaderCodec.MAX_HEADER_BYTES + " bytes)");
        }
        if (headerLength > size - 8) {
            throw new SafetensorsFormatException(file, "header length " + headerLength
                    + " is larger than the file (" + size + " bytes)");
        }
        return 8 + headerLength;
    }

    private static SafetensorsHeader parseHeader(Path file, FileChannel in, long dataStart) throws IOException {
        ByteBuffer json = readFully(file, in, 8, (int) (dataStart - 8));
        return SafetensorsHeaderCodec.parse(file, json.array(), in.size() - dataStart);
    }

    private static INDArray readTensor(Path file, FileChannel in, long dataStart, String name, TensorInfo info)
            throws IOException {
        SafetensorsDtype dtype = SafetensorsDtype.valueOf(info.dtype());
        if (!dtype.isDecodable()) {
            throw new SafetensorsFormatException(file, "tensor '" + name + "': dtype " + dtype
                    + " is valid safetensors but not supported by this reader");
        }
        if (info.byteLength() > Integer.MAX_VALUE) {
            throw new SafetensorsFormatException(file, "tensor '" + name + "' is " + info.byteLength()
                    + " bytes; this reader supports at most 2^31-1 bytes per tensor");
        }
        ByteBuffer bytes = info.byteLength() == 0 ? ByteBuffer.allocate(0)
                : in.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteLength());
        return dtype.decode(bytes, info.shape(), (int) info.numel());
    }

    /** Writes the array's elements in C order and little-endian, in chunks. */
    private static void writeData(FileChannel out, INDArray array, ByteBuffer chunk) throws IOException {
        if (array.isEmpty()) {
            return;
        }
        INDArray c = array.dup('c');
        int n = (int) array.length();
        if (c.dataType() == DataType.FLOAT) {
            float[] values = checkedLength(c.data().asFloat(), n);
            int step = chunk.capacity() / Float.BYTES;
            for (int from = 0; from < n; from += step) {
                int count = Math.min(step, n - from);
                chunk.clear();
                chunk.asFloatBuffer().put(values, from, count);
                writeFully(out, chunk.limit(count * Float.BYTES));
            }
        } else if (c.dataType() == DataType.LONG) {
            long[] values = c.data().asLong();
            if (values.length != n) throw new IllegalStateException("ND4J returned " + values.length + " values for " + n + " elements");
            int step = chunk.capacity() / Long.BYTES;
            for (int from = 0; from < n; from += step) {
                int count = Math.min(step, n - from);
                chunk.clear();
                chunk.asLongBuffer().put(values, from, count);
                writeFully(out, chunk.limit(count * Long.BYTES));
            }
        } else {
            double[] values = checkedLength(c.data().asDouble(), n);
            int step = chunk.capacity() / Double.BYTES;
            for (int from = 0; from < n; from += step) {
                int count = Math.min(step, n - from);
                chunk.clear();
                chunk.asDoubleBuffer().put(values, from, count);
                writeFully(out, chunk.limit(count * Double.BYTES));
            }
        }
    }

    private static float[] checkedLength(float[] values, int n) {
        if (values.length != n) {
            throw new IllegalStateException("ND4J returned " + values.length + " values for " + n + " elements");
        }
        return values;
    }

    private static double[] checkedLength(double[] values, int n) {
        if (values.length != n) {
            throw new IllegalStateException("ND4J returned " + values.length + " values for " + n + " elements");
        }
        return values;
    }

    private static ByteBuffer readFully(Path file, FileChannel in, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (in.read(buffer, position + buffer.position()) < 0) {
                throw new SafetensorsFormatException(file, "unexpected end of file");
            }
        }
        return buffer;
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
