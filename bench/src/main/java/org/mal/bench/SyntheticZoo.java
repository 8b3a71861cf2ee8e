package org.mal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A synthetic zoo for scale simulations (issue 22): {@code N} small random MLPs (784 inputs, 10
 * classes, {@code depth} layers, hidden widths drawn from 16..64 in steps of 16), with cards. No
 * training: weights are seeded Gaussian noise scaled by {@code 1/sqrt(fan-in)}, and the cards'
 * validation accuracies are drawn at random (between 0.3 and 0.95): the cards are what a planner
 * reads, so the zoo exercises planning, the store and the coordinator at size, not merging quality.
 * Tasks alternate between {@code mnist} and {@code fashion-mnist} (so evaluation data exist).
 *
 * <p>Usage: {@code SyntheticZoo DIR N [DEPTH=8] [SEED=1]}. Ids are {@code s00000 ...}; an existing
 * file of the same id is kept (the generator can be resumed).
 */
public final class SyntheticZoo {
    private SyntheticZoo() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) throw new IllegalArgumentException("usage: SyntheticZoo DIR N [DEPTH=8] [SEED=1]");
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        int depth = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        if (n < 1 || depth < 2) throw new IllegalArgumentException("N must be >= 1 and DEPTH >= 2, got " + n + " and " + depth);
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        int written = 0;
        for (int i = 0; i < n; i++) {
            String id = id(i);
            Path file = dir.resolve(id + ".safetensors");
            if (Files.exists(file)) continue;
            Model m = model(i, depth, seed);
            ModelIO.save(file, m, card(id, m, i, seed));
            written++;
            if (written % 1000 == 0) System.out.printf(Locale.ROOT, "%d models written, %.0f s%n", written, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "zoo %s: %d models (%d written now) of depth %d, %.0f s%n", dir, n, written, depth,
                (System.nanoTime() - t0) / 1e9);
    }

    public static String id(int i) { return String.format(Locale.ROOT, "s%05d", i); }

    /** The architecture of model {@code i}: hidden widths 16, 32, 48 or 64, drawn from the seed. */
    public static Architecture architecture(int i, int depth, long seed) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
        List<Integer> hidden = new ArrayList<>();
        for (int k = 0; k < depth - 1; k++) hidden.add(16 * (1 + r.nextInt(4)));
        return Architecture.mlp(784, hidden, 10);
    }

    public static String task(int i) { return i % 2 == 0 ? "mnist" : "fashion-mnist"; }

    static Model model(int i, int depth, long seed) {
        Architecture a = architecture(i, depth, seed);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> params = new LinkedHashMap<>();
        Nd4j.getRandom().setSeed(seed * 7_919L + i);
        for (int l = 0; l < a.depth(); l++) {
            var layer = a.layers().get(l);
            params.put(Architecture.weightName(l), Nd4j.randn(DataType.FLOAT, layer.outputSize(), layer.inputSize())
                    .muli(1.0 / Math.sqrt(layer.inputSize())));
            params.put(Architecture.biasName(l), Nd4j.zeros(DataType.FLOAT, layer.outputSize()));
        }
        return new Model(a, params);
    }

    /** A card as a planner reads it; its accuracy is drawn, not measured (said in the family). */
    public static ModelCard card(String id, Architecture a, int i, long seed, String weightsHash) {
        SplittableRandom r = new SplittableRandom(seed * 31L + i);
        String task = task(i);
        return new ModelCard(id, a, "synthetic-untrained", new ModelCard.DatasetRef(task, task + "/train-fit", "synthetic", task + "/test", "synthetic"),
                null, new Metrics(1.0, 0.3 + 0.65 * r.nextDouble(), 1000), null, null, null, weightsHash);
    }

    static ModelCard card(String id, Model m, int i, long seed) { return card(id, m.architecture(), i, seed, m.contentHash()); }
}
