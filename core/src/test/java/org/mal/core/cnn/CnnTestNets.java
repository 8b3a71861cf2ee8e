package org.mal.core.cnn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small CNNs with seeded random tensors (batch norms with non-trivial statistics), and seeded inputs. */
final class CnnTestNets {
    private CnnTestNets() {}

    /**
     * MNIST-shaped: conv 3×3 pad 1 (bias) → BN → ReLU → maxpool 2 → conv 3×3 stride 2 pad 1 (no bias)
     * → BN → ReLU → avgpool 2 (4×4 maps... 7×7 → 3×3) → conv 5×5 pad 2 → ReLU → flatten → linear →
     * ReLU → linear: every layer type but global pooling, every permutation rule including the
     * block expansion of a flatten over 3×3 maps.
     */
    static CnnArchitecture plain(int c1, int c2, int c3, int hidden) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c1, 3, 1, 1, true),
                new CnnLayer.BatchNorm2d(c1, 1e-5),
                new CnnLayer.Relu(),
                new CnnLayer.MaxPool2d(2, 2),
                new CnnLayer.Conv2d(c1, c2, 3, 2, 1, false),
                new CnnLayer.BatchNorm2d(c2, 1e-5),
                new CnnLayer.Relu(),
                new CnnLayer.AvgPool2d(2, 2),
                new CnnLayer.Conv2d(c2, c3, 5, 1, 2, true),
                new CnnLayer.Relu(),
                new CnnLayer.Flatten(),
                new CnnLayer.Linear(c3 * 9, hidden, true),
                new CnnLayer.Relu(),
                new CnnLayer.Linear(hidden, 10, true)));
    }

    /** Conv → BN → ReLU → conv → ReLU → global average pool → flatten → linear (no bias). */
    static CnnArchitecture pooled(int c1, int c2) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, c1, 3, 2, 0, true),
                new CnnLayer.BatchNorm2d(c1, 1e-3),
                new CnnLayer.Relu(),
                new CnnLayer.Conv2d(c1, c2, 3, 1, 1, true),
                new CnnLayer.Relu(),
                new CnnLayer.GlobalAvgPool(),
                new CnnLayer.Flatten(),
                new CnnLayer.Linear(c2, 10, false)));
    }

    /**
     * A small ResNet: stem conv (no bias) → BN → ReLU → block 6→6 (identity shortcut) → block 6→8
     * stride 2 (projection) → block 8→8 (identity) → global pooling → flatten → linear.
     */
    static CnnArchitecture resnet() {
        return resnet(6, 8);
    }

    /** {@link #resnet()} with {@code a} channels in the first stage and {@code b} in the second. */
    static CnnArchitecture resnet(int a, int b) {
        return new CnnArchitecture(1, 28, 28, List.of(
                new CnnLayer.Conv2d(1, a, 3, 1, 1, false),
                new CnnLayer.BatchNorm2d(a, 1e-5),
                new CnnLayer.Relu(),
                new CnnLayer.ResidualBlock(a, a, 1),
                new CnnLayer.ResidualBlock(a, b, 2),
                new CnnLayer.ResidualBlock(b, b, 1),
                new CnnLayer.GlobalAvgPool(),
                new CnnLayer.Flatten(),
                new CnnLayer.Linear(b, 10, true)));
    }

    static CnnModel random(CnnArchitecture arch, long seed, DataType type) {
        Random random = new Random(seed);
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) {
            if (p.int64()) {
                params.put(p.name(), Nd4j.scalar(DataType.INT64, random.nextInt(1000)));
                continue;
            }
            long[] shape = p.shape();
            int n = 1;
            for (long d : shape) n *= (int) d;
            long fanIn = shape.length > 1 ? n / shape[0] : 4;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                if (p.name().endsWith("running_var")) v[i] = 0.2 + random.nextDouble();
                else if (p.name().endsWith("running_mean")) v[i] = 0.3 * random.nextGaussian();
                else v[i] = random.nextGaussian() / Math.sqrt(fanIn) + (p.name().endsWith("weight") && shape.length == 1 ? 1.0 : 0.0);
            }
            params.put(p.name(), Nd4j.create(v, shape, DataType.DOUBLE).castTo(type));
        }
        return new CnnModel(arch, params);
    }

    /** {@code rows} images in [0, 1), flat [rows, 784]. */
    static INDArray images(int rows, long seed, DataType type) {
        Random random = new Random(seed);
        double[] v = new double[rows * 784];
        for (int i = 0; i < v.length; i++) v[i] = random.nextDouble();
        return Nd4j.create(v, new long[] {rows, 784}, DataType.DOUBLE).castTo(type);
    }

    static int[] randomPermutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A random permutation of every group of the model's spec (seeded). */
    static Map<String, int[]> randomPerms(CnnArchitecture arch, long seed) {
        Random random = new Random(seed);
        Map<String, int[]> perms = new LinkedHashMap<>();
        arch.permutationSpec().sizes().forEach((g, n) -> perms.put(g, randomPermutation(n, random)));
        return perms;
    }

    /**
     * {@code core} with extra dead channels: {@code wide} is the core's architecture with some groups
     * larger; the core's tensors fill the first channels of every group, the extra channels get
     * small random incoming weights, biases and batch-norm vectors (positive variances), and zero
     * weights wherever a layer reads them (every axis-1 reference of their group), so the function
     * is the core's.
     */
    static CnnModel withDeadChannels(CnnModel core, CnnArchitecture wide, long seed) {
        Random random = new Random(seed);
        CnnPermutationSpec spec = wide.permutationSpec();
        Map<String, Integer> coreSizes = core.architecture().permutationSpec().sizes();
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (CnnArchitecture.Param p : wide.params()) {
            INDArray c = core.params().get(p.name());
            if (p.int64()) {
                params.put(p.name(), c);
                continue;
            }
            long[] shape = p.shape();
            long[] coreShape = c.shape();
            int rank = shape.length;
            int[] coreChannels = new int[rank];
            int[] block = new int[rank];
            boolean[] reads = new boolean[rank];
            java.util.Arrays.fill(coreChannels, Integer.MAX_VALUE);
            java.util.Arrays.fill(block, 1);
            spec.groups().forEach((g, refs) -> refs.forEach(r -> {
                if (r.param().equals(p.name())) {
                    coreChannels[r.axis()] = coreSizes.get(g);
                    block[r.axis()] = r.block();
                    reads[r.axis()] = r.axis() == 1;
                }
            }));
            double[] core64 = c.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            int n = 1;
            for (long d : shape) n *= (int) d;
            double[] v = new double[n];
            int[] idx = new int[rank];
            for (int e = 0; e < n; e++) {
                int rest = e;
                for (int a = rank - 1; a >= 0; a--) {
                    idx[a] = (int) (rest % shape[a]);
                    rest /= (int) shape[a];
                }
                boolean deadRead = false;
                boolean dead = false;
                int coreFlat = 0;
                for (int a = 0; a < rank; a++) {
                    boolean extra = idx[a] / block[a] >= coreChannels[a];
                    dead |= extra;
                    deadRead |= extra && reads[a];
                    coreFlat = coreFlat * (int) coreShape[a] + (extra ? 0 : idx[a]);
                }
                if (deadRead) v[e] = 0;
                else if (!dead) v[e] = core64[coreFlat];
                else if (p.name().endsWith("running_var")) v[e] = 0.2 + random.nextDouble();
                else if (p.name().endsWith("weight") && rank == 1) v[e] = 0.5 + random.nextDouble();
                else v[e] = 0.3 * (random.nextDouble() * 2 - 1);
            }
            params.put(p.name(), Nd4j.create(v, shape, DataType.DOUBLE).castTo(core.floatType()));
        }
        return new CnnModel(wide, params);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
