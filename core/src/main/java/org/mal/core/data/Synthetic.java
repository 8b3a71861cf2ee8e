package org.mal.core.data;

import java.util.Random;

/**
 * Small deterministic datasets for tests. The same arguments always give the same content (and
 * {@link Dataset#contentHash()}); a different seed gives different content.
 */
public final class Synthetic {
    /** Standard deviation of the class means per feature, in units of the noise. */
    public static final double MEAN_SPREAD = 2.0;

    private Synthetic() {}

    /**
     * Gaussian blobs: each class has a mean vector with components drawn from N(0, MEAN_SPREAD²);
     * a row is its class mean plus isotropic N(0, 1) noise. Labels are balanced (row i of the
     * unshuffled set has class {@code i % classCount}) and the rows are shuffled. With about 8 or
     * more features the classes are far apart (expected mean distance {@code 2 * sqrt(featureCount)}
     * noise units) and a small MLP reaches high accuracy.
     *
     * <p>Random stream: {@code new Random(seed)} draws the means (class by class), then the training
     * rows, then the test rows. Datasets are named {@code name + "/train"} and {@code name + "/test"}.
     */
    public static TaskData gaussianBlobs(String name, int trainSize, int testSize, int featureCount, int classCount, long seed) {
        Random random = new Random(seed);
        double[] means = new double[classCount * featureCount];
        for (int i = 0; i < means.length; i++) means[i] = MEAN_SPREAD * random.nextGaussian();
        Dataset train = blobs(name + "/train", trainSize, featureCount, classCount, means, random);
        Dataset test = blobs(name + "/test", testSize, featureCount, classCount, means, random);
        return new TaskData(name, train, test);
    }

    /**
     * XOR of the signs: two features uniform in [-1, 1), class 1 when they have the same sign, else
     * class 0. Not linearly separable, so it tells a network with a hidden layer from one without.
     * Random stream: {@code new Random(seed)}, training rows then test rows.
     */
    public static TaskData xorLike(String name, int trainSize, int testSize, long seed) {
        Random random = new Random(seed);
        Dataset train = xor(name + "/train", trainSize, random);
        Dataset test = xor(name + "/test", testSize, random);
        return new TaskData(name, train, test);
    }

    private static Dataset blobs(String name, int size, int featureCount, int classCount, double[] means, Random random) {
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) labels[i] = i % classCount;
        Splits.shuffle(labels, random);
        float[] x = new float[size * featureCount];
        for (int i = 0; i < size; i++) {
            int meanBase = labels[i] * featureCount;
            for (int j = 0; j < featureCount; j++) {
                x[i * featureCount + j] = (float) (means[meanBase + j] + random.nextGaussian());
            }
        }
        return new Dataset(name, featureCount, classCount, x, labels);
    }

    private static Dataset xor(String name, int size, Random random) {
        float[] x = new float[size * 2];
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            float a = (float) (2 * random.nextDouble() - 1);
            float b = (float) (2 * random.nextDouble() - 1);
            x[2 * i] = a;
            x[2 * i + 1] = b;
            labels[i] = (a >= 0) == (b >= 0) ? 1 : 0;
        }
        return new Dataset(name, 2, 2, x, labels);
    }
}
