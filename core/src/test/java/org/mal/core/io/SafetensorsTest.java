package org.mal.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void roundTripIsBitExact() throws IOException {
        float[] special = {
            Float.intBitsToFloat(0x7fa00001), // signalling NaN with payload
            Float.intBitsToFloat(0xffc12345), // negative quiet NaN with payload
            -0.0f, 0.0f, Float.MIN_VALUE, Float.intBitsToFloat(0x007fffff), // smallest and largest denormal
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, 1.0f / 3.0f,
        };
        double[] doubles = {-0.0, Double.longBitsToDouble(0x7ff0000000000001L), Double.MIN_VALUE, Math.PI};
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("z.weight", Nd4j.rand(DataType.FLOAT, 2, 3));
        tensors.put("a.bias", Nd4j.create(new float[] {0.1f, -0.2f, 0.3f}, new long[] {3}, DataType.FLOAT));
        tensors.put("scale", Nd4j.scalar(2.5f));
        tensors.put("empty", Nd4j.create(DataType.FLOAT, 0, 4));
        tensors.put("special", Nd4j.create(special, new long[] {special.length}, DataType.FLOAT));
        tensors.put("double", Nd4j.create(doubles, new long[] {2, 2}, DataType.DOUBLE));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put("description", "Gewichte für Ästhetik, 模型 🚀, \"quoted\"\n");
        Path file = dir.resolve("model.safetensors");

        Safetensors.write(file, tensors, metadata);
        SafetensorsFile read = Safetensors.read(file);

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.tensors().keySet()));
        assertEquals(metadata, read.metadata());
        for (String name : tensors.keySet()) {
            INDArray expected = tensors.get(name);
            INDArray actual = read.tensors().get(name);
            assertEquals(expected.dataType(), actual.dataType(), name);
            assertArrayEquals(expected.shape(), actual.shape(), name);
            assertArrayEquals(rawBits(expected), rawBits(actual), name);
        }
        assertEquals(0, read.tensors().get("scale").rank());
        assertTrue(read.tensors().get("empty").isEmpty());
    }

    @Test
    void writesViewsAndFortranOrderArraysInRowMajorOrder() throws IOException {
        INDArray m = Nd4j.create(new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3}, DataType.FLOAT);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("transposed", m.transpose());
        tensors.put("column", m.getColumn(1));
        tensors.put("fortran", m.dup('f'));
        Path file = dir.resolve("views.safetensors");

        Safetensors.write(file, tensors, Map.of());
        Map<String, INDArray> read = Safetensors.read(file).tensors();

        assertArrayEquals(new long[] {3, 2}, read.get("transposed").shape());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, read.get("transposed").data().asFloat());
        assertArrayEquals(new float[] {2, 5}, read.get("column").data().asFloat());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, read.get("fortran").data().asFloat());
    }

    @Test
    void readsAFileBuiltByteByByteFromTheSpec() throws IOException {
        // Header order differs from data order on purpose; the header is not padded.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"half\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[24,34]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[34,38]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[16,24]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[38,54]},"
                + "\"n\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[54,58]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        assertNotEquals(0, (8 + header.length) % 8, "this test wants an unaligned data buffer");
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 58).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        b.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).putFloat(1e-3f);                 // w    [0, 16)
        b.putDouble(-1.25);                                                              // d    [16, 24)
        b.putShort((short) 0x3C00).putShort((short) 0xC100).putShort((short) 0x3555)    // half [24, 34)
                .putShort((short) 0x0001).putShort((short) 0xFC00);
        b.putShort((short) 0x3F80).putShort((short) 0x4049);                            // bf   [34, 38)
        b.putLong(1L << 40).putLong(-7);                                                 // ids  [38, 54)
        b.putInt(-123456);                                                               // n    [54, 58)
        assertFalse(b.hasRemaining());
        Path file = dir.resolve("handmade.safetensors");
        Files.write(file, b.array());

        SafetensorsFile read = Safetensors.read(file);

        assertEquals(List.of("half", "w", "bf", "d", "ids", "n"), List.copyOf(read.tensors().keySet()));
        assertEquals(Map.of("format", "pt"), read.metadata());
        INDArray w = read.tensors().get("w");
        assertEquals(DataType.FLOAT, w.dataType());
        assertArrayEquals(new long[] {2, 2}, w.shape());
        assertEquals(1.5f, w.getFloat(0, 0));
        assertEquals(-2f, w.getFloat(0, 1));
        assertEquals(0.25f, w.getFloat(1, 0));
        assertEquals(1e-3f, w.getFloat(1, 1));
        INDArray d = read.tensors().get("d");
        assertEquals(DataType.DOUBLE, d.dataType());
        assertEquals(0, d.rank());
        assertEquals(-1.25, d.getDouble(0));
        INDArray half = read.tensors().get("half");
        assertEquals(DataType.FLOAT, half.dataType());
        assertArrayEquals(new float[] {1.0f, -2.5f, 0.333251953125f, 0x1p-24f, Float.NEGATIVE_INFINITY},
                half.data().asFloat());
        INDArray bf = read.tensors().get("bf");
        assertEquals(DataType.FLOAT, bf.dataType());
        assertArrayEquals(new float[] {1.0f, 3.140625f}, bf.data().asFloat());
        INDArray ids = read.tensors().get("ids");
        assertEquals(DataType.INT64, ids.dataType());
        assertArrayEquals(new long[] {1L << 40, -7}, ids.data().asLong());
        INDArray n = read.tensors().get("n");
        assertEquals(DataType.INT32, n.dataType());
        assertArrayEquals(new long[] {1, 1}, n.shape());
        assertEquals(-123456, n.getInt(0, 0));
    }

    @Test
    void halfPrecisionConversionIsExactForEveryValue() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float converted = SafetensorsDtype.halfToFloat((short) bits);
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            double magnitude = exponent == 0 ? mantissa * Math.pow(2, -24)
                    : exponent == 0x1f ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                    : (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            double expected = (bits & 0x8000) != 0 ? -magnitude : magnitude;
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(converted), Integer.toHexString(bits));
            } else {
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(converted),
                        Integer.toHexString(bits));
            }
        }
    }

    @Test
    void writtenFileFollowsTheSpec() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("b", Nd4j.create(new float[] {1, -2, 3.5f, 0, -0f, 1e-40f}, new long[] {2, 3}, DataType.FLOAT));
        tensors.put("a", Nd4j.create(new double[] {Math.E, -1e300, 7}, new long[] {3}, DataType.DOUBLE));
        tensors.put("s", Nd4j.scalar(42f));
        Path file = dir.resolve("spec.safetensors");
        Safetensors.write(file, tensors, Map.of("k", "v"));

        // An independent minimal reader: nothing from the production code below this line.
        byte[] bytes = Files.readAllBytes(file);
        long n = 0;
        for (int i = 0; i < 8; i++) {
            n |= (bytes[i] & 0xFFL) << (8 * i);
        }
        long dataStart = 8 + n;
        assertEquals(0, dataStart % 8, "data buffer must start 8-byte aligned");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(json.endsWith("}"));
        assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "padding must be spaces");
        JsonNode root = new ObjectMapper().readTree(json);
        List<String> keys = new ArrayList<>();
        root.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("__metadata__", "b", "a", "s"), keys);
        assertEquals("v", root.get("__metadata__").get("k").textValue());

        List<long[]> offsets = new ArrayList<>();
        for (String name : List.of("b", "a", "s")) {
            JsonNode offs = root.get(name).get("data_offsets");
            offsets.add(new long[] {offs.get(0).longValue(), offs.get(1).longValue()});
        }
        offsets.sort(Comparator.comparingLong(o -> o[0]));
        long cursor = 0;
        for (long[] o : offsets) {
            assertEquals(cursor, o[0], "offsets must be contiguous");
            cursor = o[1];
        }
        assertEquals(bytes.length - dataStart, cursor, "offsets must cover the data buffer exactly");

        JsonNode b = root.get("b");
        assertEquals("F32", b.get("dtype").textValue());
        assertEquals("[2,3]", b.get("shape").toString());
        int bStart = (int) (dataStart + b.get("data_offsets").get(0).longValue());
        float[] bValues = new float[6];
        for (int i = 0; i < 6; i++) {
            bValues[i] = Float.intBitsToFloat((int) littleEndian(bytes, bStart + 4 * i, 4));
        }
        assertArrayEquals(new float[] {1, -2, 3.5f, 0, -0f, 1e-40f}, bValues);
        JsonNode a = root.get("a");
        assertEquals("F64", a.get("dtype").textValue());
        assertEquals("[3]", a.get("shape").toString());
        int aStart = (int) (dataStart + a.get("data_offsets").get(0).longValue());
        assertEquals(-1e300, Double.longBitsToDouble(littleEndian(bytes, aStart + 8, 8)));
        JsonNode s = root.get("s");
        assertEquals("[]", s.get("shape").toString());
        int sStart = (int) (dataStart + s.get("data_offsets").get(0).longValue());
        assertEquals(42f, Float.intBitsToFloat((int) littleEndian(bytes, sStart, 4)));
    }

    @Test
    void headerOnlyReadDoesNotTouchTensorData() throws IOException {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("big", Nd4j.zeros(DataType.FLOAT, 1024, 4096));
        tensors.put("bias", Nd4j.zeros(DataType.DOUBLE, 4096));
        Path file = dir.resolve("big.safetensors");
        Safetensors.write(file, tensors, Map.of("arch", "mlp"));
        long bigBytes = 1024L * 4096 * 4;

        SafetensorsHeader header = Safetensors.readHeader(file);

        assertEquals(List.of("big", "bias"), List.copyOf(header.tensors().keySet()));
        assertEquals(new TensorInfo("F32", new long[] {1024, 4096}, 0, bigBytes), header.tensors().get("big"));
        assertEquals(new TensorInfo("F64", new long[] {4096}, bigBytes, bigBytes + 4096 * 8),
                header.tensors().get("bias"));
        assertEquals(Map.of("arch", "mlp"), header.metadata());
        assertEquals(4096, header.tensors().get("bias").numel());
    }

    @Test
    void writeIsAtomic() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("old", Nd4j.ones(DataType.FLOAT, 100)), Map.of("version", "1"));

        Safetensors.write(file, Map.of("new", Nd4j.scalar(7.0)), Map.of("version", "2"));

        SafetensorsFile read = Safetensors.read(file);
        assertEquals(List.of("new"), List.copyOf(read.tensors().keySet()));
        assertEquals(7.0, read.tensors().get("new").getDouble(0));
        assertEquals(Map.of("version", "2"), read.metadata());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temp files may remain");
        }
    }

    @Test
    void writeRejectsUnsupportedNd4jTypesAndLeavesTheExistingFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("x", Nd4j.scalar(1f)), null);
        byte[] before = Files.readAllBytes(file);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file,
                Map.of("ids", Nd4j.create(new int[] {1, 2}, new long[] {2}, DataType.INT32)), Map.of()));

        assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("INT"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void int64TensorsAreWrittenAsI64AndReadBackExactly() throws IOException {
        // batch norm's num_batches_tracked: an int64 scalar in a PyTorch state dict
        Path file = dir.resolve("bn.safetensors");
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("1.num_batches_tracked", Nd4j.scalar(DataType.INT64, 1L << 40));
        tensors.put("ids", Nd4j.create(new long[] {-3, 7, Long.MAX_VALUE}, new long[] {3}, DataType.INT64));
        Safetensors.write(file, tensors, null);
        assertEquals("I64", Safetensors.readHeader(file).tensors().get("1.num_batches_tracked").dtype());
        SafetensorsFile back = Safetensors.read(file);
        INDArray n = back.tensors().get("1.num_batches_tracked");
        assertEquals(0, n.rank());
        assertEquals(1L << 40, n.getLong(0));
        assertArrayEquals(new long[] {-3, 7, Long.MAX_VALUE}, back.tensors().get("ids").data().asLong());
    }

    @Test
    void tensorInfoComparesShapesByValue() {
        TensorInfo a = new TensorInfo("F32", new long[] {2, 3}, 0, 24);
        TensorInfo b = new TensorInfo("F32", new long[] {2, 3}, 0, 24);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new TensorInfo("F32", new long[] {3, 2}, 0, 24));
        assertEquals("TensorInfo[dtype=F32, shape=[2, 3], begin=0, end=24]", a.toString());
    }

    private static long littleEndian(byte[] bytes, int start, int count) {
        long value = 0;
        for (int i = 0; i < count; i++) {
            value |= (bytes[start + i] & 0xFFL) << (8 * i);
        }
        return value;
    }

    /** Raw IEEE bits of every element in C order, so NaN payloads and -0.0 are compared exactly. */
    private static long[] rawBits(INDArray array) {
        if (array.isEmpty()) {
            return new long[0];
        }
        INDArray c = array.dup('c');
        if (c.dataType() == DataType.DOUBLE) {
            double[] v = c.data().asDouble();
            long[] bits = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                bits[i] = Double.doubleToRawLongBits(v[i]);
            }
            return bits;
        }
        float[] v = c.data().asFloat();
        long[] bits = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = Float.floatToRawIntBits(v[i]);
        }
        return bits;
    }
}
