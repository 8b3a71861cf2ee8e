package org.mal.core.cnn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.model.Evaluator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A search move between two CNNs: a layer map over the CNNs' <em>search layers</em> ({@link #layers}),
 * aligned and merged along λ, with the naive merge (channel {@code p} to channel {@code p}, zero
 * padding or dropping) beside it for the report. The CNN counterpart of what {@code MoveRunner}
 * does with an MLP's {@code Aligner} and {@code Merger}; the engine translates a move's configured
 * methods into a {@link Method}.
 *
 * <p>Search layers: the modules with weights that a layer map can name, in module order: every
 * top-level {@code Conv2d}, every {@code ResidualBlock} (one layer, as the zoo's width lists count
 * it) and every {@code Linear} (the head last). A zoo CNN of depth {@code d} has {@code d + 1}.
 *
 * <p>Two kinds of map, decided here (the choice is not the caller's, so a move cannot name an
 * impossible merge):
 * <ul>
 *   <li><b>whole</b>: every search layer {@code i ← i}, between two CNNs of one layer structure
 *       ({@link CnnTransplant#checkStructure}: only channel counts may differ). Every tensor is merged
 *       (convs, batch norms, residual blocks, the head), channels aligned by generalized permutations
 *       ({@link CnnChannelMatching}, or {@link CnnActivationMatching}), or zipped ({@link CnnZip}); the correction
 *       ({@link CnnRepair}) runs on the merged network.</li>
 *   <li><b>selective</b>: any other map; each pair must join two top-level convs ({@link CnnLayerMap}:
 *       same kernel, stride, padding, bias, and batch norm after both or neither; both read the image or
 *       both read channels), possibly at different depths and of different widths. Only the mapped
 *       convs and their batch norms change; with a correction the merged network's batch-norm
 *       statistics are reset ({@link BatchNormStatistics}), which needs batch norms.</li>
 * </ul>
 * A map that is neither is refused with the reason (e.g. a residual block in a partial map: layer
 * maps pair plain convs only).
 */
public final class CnnMoveMerge {
    private CnnMoveMerge() {}

    /** How channels are matched. */
    public enum Matching { NAIVE, WEIGHT, ACTIVATION, ZIP }

    /**
     * A move's method for CNNs.
     *
     * @param maxSweeps weight matching's sweep limit
     * @param rows training rows that activation matching, zip and the correction read (stratified, seeded; never test rows)
     * @param seed the sweep order's seed
     * @param zip zip's decay and budget (read by {@link Matching#ZIP} only)
     */
    public record Method(Matching matching, int maxSweeps, CnnRepair.Correction correction, int rows, long seed, org.mal.core.align.Zip.Settings zip) {
        public Method {
            if (maxSweeps < 1) throw new IllegalArgumentException("max-sweeps must be >= 1, got " + maxSweeps);
            if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
            if (zip == null) throw new IllegalArgumentException("a method needs zip settings (decay, budget), even when it does not zip");
        }

        /** A method with zip's default settings. */
        public Method(Matching matching, int maxSweeps, CnnRepair.Correction correction, int rows, long seed) {
            this(matching, maxSweeps, correction, rows, seed, org.mal.core.align.Zip.Settings.DEFAULT);
        }

        /** Whether the method reads training rows. */
        public boolean needsRows() { return matching == Matching.ACTIVATION || matching == Matching.ZIP || correction != CnnRepair.Correction.NONE; }
    }

    /** Batches of this many rows for statistics and activation matching. */
    public static final int BATCH = 250;

    /** The search layers of an architecture: module indices, in order (see the class comment). */
    public static List<Integer> layers(CnnArchitecture arch) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < arch.layers().size(); i++) {
            CnnLayer l = arch.layers().get(i);
            if (l instanceof CnnLayer.Conv2d || l instanceof CnnLayer.ResidualBlock || l instanceof CnnLayer.Linear) out.add(i);
        }
        return out;
    }

    /** Whether {@code map} is every search layer {@code i ← i} of two CNNs of one layer structure. */
    public static boolean isWhole(CnnArchitecture base, CnnArchitecture target, LayerMap map) {
        int d = layers(base).size();
        if (layers(target).size() != d || map.pairs().size() != d) return false;
        for (LayerMap.Pair p : map.pairs()) if (p.base() != p.target()) return false;
        try {
            CnnTransplant.checkStructure(base, target);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The module pairs of a selective map, checked: each pair joins two top-level convs that
     * {@link CnnLayerMap} can merge. An {@link IllegalArgumentException} names the pair and why not.
     */
    public static List<CnnLayerMap.Pair> modulePairs(CnnArchitecture base, CnnArchitecture target, LayerMap map) {
        List<Integer> la = layers(base);
        List<Integer> lb = layers(target);
        List<CnnLayerMap.Pair> out = new ArrayList<>();
        if (map.pairs().isEmpty()) throw new IllegalArgumentException("a layer map needs at least one pair");
        for (LayerMap.Pair p : map.pairs()) {
            if (p.base() < 0 || p.base() >= la.size()) throw new IllegalArgumentException("pair " + p.base() + ":" + p.target() + ": the base has search layers 0.." + (la.size() - 1));
            if (p.target() < 0 || p.target() >= lb.size()) throw new IllegalArgumentException("pair " + p.base() + ":" + p.target() + ": the target has search layers 0.." + (lb.size() - 1));
            int mb = la.get(p.base());
            int mt = lb.get(p.target());
            CnnLayer a = base.layers().get(mb);
            CnnLayer b = target.layers().get(mt);
            if (!(a instanceof CnnLayer.Conv2d) || !(b instanceof CnnLayer.Conv2d)) {
                throw new IllegalArgumentException("pair " + p.base() + ":" + p.target() + " joins " + a.describe() + " and " + b.describe()
                        + ": a partial layer map pairs plain convs only (residual blocks and linear layers merge in a whole-network move, every layer i:i of two CNNs of one layer structure)");
            }
            out.add(new CnnLayerMap.Pair(mb, mt));
        }
        CnnLayerMap.naive(emptyLike(base), emptyLike(target), out);   // checks kernels, batch norms and inputs, naming the pair
        return out;
    }

    /** Whether a selective map's pairs can be merged (see {@link #modulePairs}); for planners that must not propose what fails. */
    public static boolean mergeable(CnnArchitecture base, CnnArchitecture target, LayerMap map) {
        if (isWhole(base, target, map)) return true;
        try {
            modulePairs(base, target, map);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Zero tensors of an architecture's shapes: {@link CnnLayerMap}'s checks read shapes only. */
    private static CnnModel emptyLike(CnnArchitecture arch) {
        Map<String, INDArray> t = new java.util.LinkedHashMap<>();
        for (CnnArchitecture.Param p : arch.params()) {
            t.put(p.name(), p.int64() ? org.nd4j.linalg.factory.Nd4j.scalar(DataType.INT64, 0L) : org.nd4j.linalg.factory.Nd4j.zeros(DataType.FLOAT, p.shape()));
        }
        return new CnnModel(arch, t);
    }

    /**
     * A move's two merges as functions of λ (λ = 0 gives the base itself in both), and how the
     * channels were matched.
     *
     * @param described the method and map kind for outcomes, e.g. {@code weight/whole} or {@code naive/selective}
     */
    public record Merges(DoubleFunction<CnnModel> aligned, DoubleFunction<CnnModel> naive, CnnAlignment alignment, String described) {}

    /**
     * Aligns {@code target} to {@code base} over {@code map} and returns both merge curves.
     *
     * @param training the base task's training rows (images as rows) the method reads when
     *     {@link Method#needsRows()}; may be null otherwise. Never test rows.
     */
    public static Merges prepare(CnnModel base, CnnModel target, LayerMap map, Method method, Dataset training) {
        INDArray images = null;
        if (method.needsRows()) {
            if (training == null) throw new IllegalArgumentException("the method needs the base task's training rows");
            images = training.features(0, training.size());
        }
        if (isWhole(base.architecture(), target.architecture(), map)) {
            CnnAlignment alignment = switch (method.matching()) {
                case NAIVE -> CnnChannelMatching.naive(base, target);
                case WEIGHT -> CnnChannelMatching.align(base, target, new CnnChannelMatching.Settings(method.maxSweeps(), method.seed()));
                case ACTIVATION -> CnnActivationMatching.align(base, target, images, BATCH);
                case ZIP -> CnnZip.align(base, target, images, BATCH, method.zip());
            };
            CnnModel naive = CnnTransplant.aligned(base, target, CnnChannelMatching.naive(base, target));
            DoubleFunction<CnnModel> aligned = CnnRepair.curve(base, target, alignment, correctionFor(base.architecture(), method.correction()), images, BATCH);
            return new Merges(memo(aligned), memo(l -> CnnMerge.convex(base, naive, l)), alignment, method.matching().name().toLowerCase() + "/whole");
        }
        List<CnnLayerMap.Pair> pairs = modulePairs(base.architecture(), target.architecture(), map);
        CnnLayerMap.Mapped mapped = switch (method.matching()) {
            case NAIVE -> CnnLayerMap.naive(base, target, pairs);
            case WEIGHT -> CnnLayerMap.align(base, target, pairs, new CnnChannelMatching.Settings(method.maxSweeps(), method.seed()));
            case ACTIVATION -> throw new IllegalArgumentException("activation matching of a partial CNN layer map is not built; use the weight or naive aligner");
            case ZIP -> throw new IllegalArgumentException("zip of a partial CNN layer map is not built (zip merges whole networks: every search layer i:i of two CNNs "
                    + "of one layer structure); use the weight or naive aligner");
        };
        CnnLayerMap.Mapped naive = CnnLayerMap.naive(base, target, pairs);
        DoubleFunction<CnnModel> aligned;
        if (method.correction() == CnnRepair.Correction.NONE) {
            aligned = l -> CnnLayerMap.merge(base, mapped, l);
        } else {
            if (!hasBatchNorm(base.architecture())) {
                throw new IllegalArgumentException("the correction of a partial CNN layer map resets batch-norm statistics, and the base has no batch norms");
            }
            INDArray x = images;
            aligned = l -> l == 0 ? base : BatchNormStatistics.reset(CnnLayerMap.merge(base, mapped, l), x, BATCH);
        }
        return new Merges(memo(aligned), memo(l -> CnnLayerMap.merge(base, naive, l)), mapped.alignment(),
                method.matching().name().toLowerCase() + "/selective");
    }

    /** REPAIR on a net with batch norms resets them (and REPAIRs any conv without one); {@code BN_RESET} on a net without batch norms is REPAIR. */
    private static CnnRepair.Correction correctionFor(CnnArchitecture arch, CnnRepair.Correction c) {
        return c == CnnRepair.Correction.BN_RESET && !hasBatchNorm(arch) ? CnnRepair.Correction.REPAIR : c;
    }

    static boolean hasBatchNorm(CnnArchitecture arch) {
        for (CnnLayer l : arch.layers()) if (l instanceof CnnLayer.BatchNorm2d || l instanceof CnnLayer.ResidualBlock) return true;
        return false;
    }

    /** A merge function that computes each λ once (curves and λ rules ask for the same points). */
    private static DoubleFunction<CnnModel> memo(DoubleFunction<CnnModel> f) {
        Map<Double, CnnModel> kept = new java.util.concurrent.ConcurrentHashMap<>();
        return l -> kept.computeIfAbsent(l, f::apply);
    }

    /**
     * Per row of {@code data}, whether the CNN predicts the label and its softmax cross-entropy (as
     * {@link CnnEvaluation#evaluate} computes them; {@link Evaluator.Rows#metrics()} gives its means):
     * what paired tests on the same rows need.
     */
    public static Evaluator.Rows rows(CnnModel model, Dataset data) {
        int classes = data.classCount();
        if (classes != model.architecture().outputSize()) {
            throw new IllegalArgumentException("the CNN has " + model.architecture().outputSize() + " outputs but dataset " + data.name() + " has " + classes + " classes");
        }
        boolean[] correct = new boolean[data.size()];
        double[] loss = new double[data.size()];
        for (int from = 0; from < data.size(); from += CnnEvaluation.DEFAULT_BATCH) {
            int to = Math.min(data.size(), from + CnnEvaluation.DEFAULT_BATCH);
            double[] z = model.logits(data.features(from, to)).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int r = 0; r < to - from; r++) {
                int at = r * classes;
                int label = data.label(from + r);
                int best = Evaluator.argMax(z, at, classes);
                correct[from + r] = best == label;
                loss[from + r] = Evaluator.crossEntropy(z, at, classes, label, z[at + best]);
            }
        }
        return new Evaluator.Rows(correct, loss);
    }
}
