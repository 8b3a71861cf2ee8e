package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarTest {
    @TempDir Path dir;

    private static byte pixel(int record, int i) {
        return (byte) (record * 101 + i * 3 + i / 1024);
    }

    /** Records numbered from {@code first}; each has the given label bytes then 3072 pixels. */
    private Path write(String name, int first, int[][] labelBytes) throws IOException {
        int labelCount = labelBytes[0].length;
        byte[] b = new byte[labelBytes.length * (labelCount + Cifar.PIXELS)];
        int at = 0;
        for (int r = 0; r < labelBytes.length; r++) {
            for (int l : labelBytes[r]) b[at++] = (byte) l;
            for (int i = 0; i < Cifar.PIXELS; i++) b[at++] = pixel(first + r, i);
        }
        Path f = dir.resolve(name);
        Files.write(f, b);
        return f;
    }

    private static void assertPixels(Dataset d) {
        for (int r = 0; r < d.size(); r++) {
            for (int i = 0; i < Cifar.PIXELS; i += 97) assertEquals((pixel(r, i) & 0xFF) / 255f, d.feature(r, i), "row " + r + " pixel " + i);
            assertEquals((pixel(r, Cifar.PIXELS - 1) & 0xFF) / 255f, d.feature(r, Cifar.PIXELS - 1));
        }
    }

    @Test
    void cifar10BatchesAreConcatenatedInOrder() throws IOException {
        Path a = write("data_batch_1.bin", 0, new int[][] {{3}, {0}, {9}});
        Path b = write("data_batch_2.bin", 3, new int[][] {{1}, {1}});
        Dataset d = Cifar.readCifar10("c10", List.of(a, b));
        assertEquals(5, d.size());
        assertEquals(3072, d.featureCount());
        assertEquals(10, d.classCount());
        assertArrayEquals(new int[] {3, 0, 9, 1, 1}, d.labels());
        assertPixels(d);
    }

    @Test
    void cifar100ReadsFineOrCoarseLabels() throws IOException {
        Path f = write("train.bin", 0, new int[][] {{19, 99}, {0, 42}});
        Dataset fine = Cifar.readCifar100("fine", List.of(f), true);
        Dataset coarse = Cifar.readCifar100("coarse", List.of(f), false);
        assertArrayEquals(new int[] {99, 42}, fine.labels());
        assertEquals(100, fine.classCount());
        assertArrayEquals(new int[] {19, 0}, coarse.labels());
        assertEquals(20, coarse.classCount());
        assertPixels(fine);
        assertEquals(fine.feature(1, 500), coarse.feature(1, 500));
    }

    @Test
    void sizeNotAMultipleOfTheRecordIsRejectedNamingFileAndSize() throws IOException {
        Path f = dir.resolve("bad.bin");
        Files.write(f, new byte[3073 + 10]);
        IOException e = assertThrows(IOException.class, () -> Cifar.readCifar10("x", List.of(f)));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("3083"), e.getMessage());
        // a CIFAR-10 file is not a whole number of CIFAR-100 records
        Path ten = write("ten.bin", 0, new int[][] {{1}, {2}});
        assertThrows(IOException.class, () -> Cifar.readCifar100("x", List.of(ten), true));
    }

    @Test
    void emptyFileIsRejected() throws IOException {
        Path f = dir.resolve("empty.bin");
        Files.write(f, new byte[0]);
        IOException e = assertThrows(IOException.class, () -> Cifar.readCifar10("x", List.of(f)));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void labelOutOfRangeIsRejectedNamingFileAndRecord() throws IOException {
        Path f = write("b.bin", 0, new int[][] {{1}, {10}});
        IOException e = assertThrows(IOException.class, () -> Cifar.readCifar10("x", List.of(f)));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("record 1") && e.getMessage().contains("label 10"),
                e.getMessage());
        Path g = write("c.bin", 0, new int[][] {{20, 5}});
        assertThrows(IOException.class, () -> Cifar.readCifar100("x", List.of(g), false));
        Path h = write("d.bin", 0, new int[][] {{2, 100}});
        assertThrows(IOException.class, () -> Cifar.readCifar100("x", List.of(h), true));
    }
}
