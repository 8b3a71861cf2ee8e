package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir Path dir;

    private static byte[] sample(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 37 + 5);
        return b;
    }

    @Test
    void rawRoundTripKeepsDimsAndBytes() throws IOException {
        Path f = dir.resolve("a.idx");
        byte[] data = sample(3 * 4 * 5);
        Idx.writeUnsignedBytes(f, new int[] {3, 4, 5}, data, false);
        byte[] file = Files.readAllBytes(f);
        assertArrayEquals(new byte[] {0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}, java.util.Arrays.copyOf(file, 16));
        assertEquals(16 + 60, file.length);
        IdxArray a = Idx.read(f);
        assertEquals(IdxType.UNSIGNED_BYTE, a.type());
        assertArrayEquals(new int[] {3, 4, 5}, a.dims());
        assertArrayEquals(data, a.unsignedBytes());
        assertEquals(data[7] & 0xFF, a.get(7));
    }

    @Test
    void gzippedRoundTripKeepsDimsAndBytes() throws IOException {
        Path f = dir.resolve("a.idx.gz");
        byte[] data = sample(1000);
        Idx.writeUnsignedBytes(f, new int[] {1000}, data, true);
        byte[] file = Files.readAllBytes(f);
        assertEquals(0x1f, file[0] & 0xFF);
        assertEquals(0x8b, file[1] & 0xFF);
        IdxArray a = Idx.read(f);
        assertArrayEquals(new int[] {1000}, a.dims());
        assertArrayEquals(data, a.unsignedBytes());
    }

    @Test
    void gzipIsDetectedByMagicNotByFileName() throws IOException {
        Path gzNamedPlain = dir.resolve("plain.idx");
        Path rawNamedGz = dir.resolve("raw.gz");
        Idx.writeUnsignedBytes(gzNamedPlain, new int[] {2, 3}, sample(6), true);
        Idx.writeUnsignedBytes(rawNamedGz, new int[] {2, 3}, sample(6), false);
        assertEquals(0x1f, Files.readAllBytes(gzNamedPlain)[0] & 0xFF);
        assertEquals(0, Files.readAllBytes(rawNamedGz)[0]);
        assertArrayEquals(sample(6), Idx.read(gzNamedPlain).unsignedBytes());
        assertArrayEquals(sample(6), Idx.read(rawNamedGz).unsignedBytes());
    }

    @Test
    void gzipOutputIsDeterministicWithZeroModificationTime() throws IOException {
        Path a = dir.resolve("a.gz");
        Path b = dir.resolve("b.gz");
        Idx.writeUnsignedBytes(a, new int[] {10, 10}, sample(100), true);
        Idx.writeUnsignedBytes(b, new int[] {10, 10}, sample(100), true);
        byte[] fa = Files.readAllBytes(a);
        assertArrayEquals(fa, Files.readAllBytes(b));
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(fa, 4, 8), "gzip mtime field");
    }

    @Test
    void writeLeavesNoTemporaryFile() throws IOException {
        Idx.writeUnsignedBytes(dir.resolve("x.gz"), new int[] {4}, sample(4), true);
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void otherElementTypesAreReadBigEndian() throws IOException {
        ByteBuffer ints = ByteBuffer.allocate(12).putInt(-7).putInt(0x01020304).putInt(Integer.MAX_VALUE);
        ByteBuffer shorts = ByteBuffer.allocate(4).putShort((short) -2).putShort((short) 300);
        ByteBuffer floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.25f);
        ByteBuffer doubles = ByteBuffer.allocate(16).putDouble(Math.PI).putDouble(-1e300);
        byte[] signed = {-128, -1, 0, 127};
        check(new IdxArray(IdxType.INT, new int[] {3}, ints.array()), new double[] {-7, 0x01020304, Integer.MAX_VALUE});
        check(new IdxArray(IdxType.SHORT, new int[] {2}, shorts.array()), new double[] {-2, 300});
        check(new IdxArray(IdxType.FLOAT, new int[] {1, 2}, floats.array()), new double[] {1.5, -0.25});
        check(new IdxArray(IdxType.DOUBLE, new int[] {2}, doubles.array()), new double[] {Math.PI, -1e300});
        check(new IdxArray(IdxType.SIGNED_BYTE, new int[] {2, 2}, signed), new double[] {-128, -1, 0, 127});
    }

    private void check(IdxArray a, double[] expected) throws IOException {
        Path f = dir.resolve(a.type() + ".idx");
        Idx.write(f, a, false);
        IdxArray back = Idx.read(f);
        assertEquals(a, back);
        assertArrayEquals(expected, back.toDoubles());
        assertEquals(a.type().code(), Files.readAllBytes(f)[2]);
    }

    private Path rawFile(String name, int... bytes) throws IOException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        Path f = dir.resolve(name);
        Files.write(f, b);
        return f;
    }

    private void assertRejected(Path f, String expectedPart) {
        IOException e = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains(f.toString()), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expectedPart), "says '" + expectedPart + "': " + e.getMessage());
    }

    @Test
    void badMagicIsRejected() throws IOException {
        assertRejected(rawFile("magic.idx", 1, 0, 8, 1, 0, 0, 0, 1, 9), "bad magic");
    }

    @Test
    void unsupportedTypeIsRejected() throws IOException {
        assertRejected(rawFile("type.idx", 0, 0, 0x0A, 1, 0, 0, 0, 1, 9), "unsupported IDX type byte 0x0a");
    }

    @Test
    void truncatedDataIsRejected() throws IOException {
        assertRejected(rawFile("short.idx", 0, 0, 8, 1, 0, 0, 0, 4, 1, 2), "truncated");
    }

    @Test
    void truncatedHeaderIsRejected() throws IOException {
        assertRejected(rawFile("head.idx", 0, 0, 8, 2, 0, 0, 0, 4), "truncated");
        assertRejected(rawFile("tiny.idx", 0, 0), "truncated");
    }

    @Test
    void truncatedGzipDataIsRejected() throws IOException {
        Path full = dir.resolve("full.gz");
        Idx.writeUnsignedBytes(full, new int[] {5000}, sample(5000), true);
        byte[] b = Files.readAllBytes(full);
        Path cut = dir.resolve("cut.gz");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length / 2));
        IOException e = assertThrows(IOException.class, () -> Idx.read(cut));
        assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
    }

    @Test
    void trailingBytesAreRejected() throws IOException {
        assertRejected(rawFile("trail.idx", 0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3), "trailing bytes");
    }

    @Test
    void dimsProductOverflowIsRejected() throws IOException {
        assertRejected(rawFile("huge.idx", 0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0), "overflow");
        assertRejected(rawFile("huge-int.idx", 0, 0, 0x0C, 1, 0x40, 0, 0, 0), "overflow");
    }

    @Test
    void negativeDimensionIsRejected() throws IOException {
        assertRejected(rawFile("neg.idx", 0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF), "negative");
    }

    @Test
    void imagesAndLabelsBecomeScaledFeatures() throws IOException {
        Path x = dir.resolve("x.gz");
        Path y = dir.resolve("y.gz");
        byte[] pixels = sample(3 * 2 * 2);
        Idx.writeUnsignedBytes(x, new int[] {3, 2, 2}, pixels, true);
        Idx.writeUnsignedBytes(y, new int[] {3}, new byte[] {2, 0, 9}, true);
        Dataset d = Idx.readImagesAndLabels("t", x, y, 10);
        assertEquals(3, d.size());
        assertEquals(4, d.featureCount());
        assertArrayEquals(new int[] {2, 0, 9}, d.labels());
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) assertEquals((pixels[r * 4 + c] & 0xFF) / 255f, d.feature(r, c));
        }
    }

    @Test
    void imageAndLabelCountMismatchNamesBothFiles() throws IOException {
        Path x = dir.resolve("imgs.gz");
        Path y = dir.resolve("labs.gz");
        Idx.writeUnsignedBytes(x, new int[] {3, 2, 2}, sample(12), true);
        Idx.writeUnsignedBytes(y, new int[] {2}, new byte[] {1, 1}, true);
        IOException e = assertThrows(IOException.class, () -> Idx.readImagesAndLabels("t", x, y, 10));
        assertTrue(e.getMessage().contains(x.toString()) && e.getMessage().contains(y.toString()), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesLabelFile() throws IOException {
        Path x = dir.resolve("imgs.gz");
        Path y = dir.resolve("labs.gz");
        Idx.writeUnsignedBytes(x, new int[] {2, 1, 1}, sample(2), true);
        Idx.writeUnsignedBytes(y, new int[] {2}, new byte[] {1, 10}, true);
        IOException e = assertThrows(IOException.class, () -> Idx.readImagesAndLabels("t", x, y, 10));
        assertTrue(e.getMessage().contains(y.toString()) && e.getMessage().contains("label 10"), e.getMessage());
    }

    @Test
    void debianFashionMnistTrainLabelsHave6000PerClass() throws IOException {
        Path f = Path.of("/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz");
        Assumptions.assumeTrue(Files.isRegularFile(f), "no " + f);
        IdxArray a = Idx.read(f);
        assertArrayEquals(new int[] {60000}, a.dims());
        int[] counts = new int[10];
        for (byte b : a.unsignedBytes()) counts[b & 0xFF]++;
        for (int c = 0; c < 10; c++) assertEquals(6000, counts[c], "class " + c);
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            assertEquals(8 + 60000, in.readAllBytes().length);
        }
    }
}
