package org.mal.core.align;

import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link WeightMatching} as it was before its first products were reused across sweeps (commit
 * db47c58), kept as the reference the faster one must agree with bit for bit: same matches, same
 * objective, same number of sweeps ({@code WeightMatchingSameAsReferenceTest}). Settings are
 * {@link WeightMatching.Settings}.
 */
final class WeightMatchingReference {
    /** Gains at or below this do not count as progress (as in Git Re-Basin). */
    static final double MIN_GAIN = WeightMatching.MIN_GAIN;

    private WeightMatchingReference() {}

    /** The alignment without any permutation: unit {@code p} to unit {@code p}, padding or cropping the rest. */
    public static Alignment naive(Model base, Model target, LayerMap map) {
        map.check(base.architecture(), target.architecture());
        List<UnitMatch> matches = naiveMatches(base, target, map);
        double j = new Layers(base, target, map).objective(matches);
        return new Alignment("naive", map.toString(), matches, j, j, 0, 0);
    }

    /** Unit {@code p} to unit {@code p} in every group pair the map touches, padding or cropping the rest. */
    private static List<UnitMatch> naiveMatches(Model base, Model target, LayerMap map) {
        List<UnitMatch> matches = new ArrayList<>();
        for (int[] g : Transplant.groupPairs(map)) {
            matches.add(new UnitMatch(g[0], g[1], identity(Transplant.groupSize(base.architecture(), g[0]),
                    Transplant.groupSize(target.architecture(), g[1]))));
        }
        return matches;
    }

    static Alignment align(Model base, Model target, LayerMap map, WeightMatching.Settings settings) {
        long started = System.nanoTime();
        map.check(base.architecture(), target.architecture());
        Layers layers = new Layers(base, target, map);
        List<UnitMatch> naiveMatches = naiveMatches(base, target, map);
        double before = layers.objective(naiveMatches);
        Architecture archA = base.architecture();
        Architecture archB = target.architecture();
        List<UnitMatch> current = new ArrayList<>(naiveMatches);
        List<Integer> free = new ArrayList<>();
        for (int k = 0; k < current.size(); k++) {
            if (!isFixed(current.get(k), archA, archB)) free.add(k);
        }
        Map<Integer, LinearAssignment.Duals> duals = new HashMap<>();
        SplittableRandom random = new SplittableRandom(settings.seed());
        int sweeps = 0;
        while (sweeps < settings.maxSweeps() && !free.isEmpty()) {
            sweeps++;
            boolean progress = false;
            int[] order = free.stream().mapToInt(Integer::intValue).toArray();
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (int k : order) {
                UnitMatch m = current.get(k);
                int rows = Transplant.groupSize(archA, m.baseGroup());
                int cols = Transplant.groupSize(archB, m.targetGroup());
                double[] score = layers.score(k, current, m, rows, cols);
                LinearAssignment.Result r = LinearAssignment.solve(score, rows, cols, LinearAssignment.Goal.MAXIMIZE, duals.get(k));
                duals.put(k, r.duals());
                double gain = value(score, cols, r.colForRow()) - value(score, cols, m.targetForBase());
                if (gain > MIN_GAIN) {
                    current.set(k, new UnitMatch(m.baseGroup(), m.targetGroup(), r.colForRow()));
                    progress = true;
                }
            }
            if (!progress) break;
        }
        return new Alignment("weight", map.toString(), current, before, layers.objective(current), sweeps,
                (System.nanoTime() - started) / 1e9);
    }

    /** {@code J} of an alignment (see the class comment). */
    public static double objective(Model base, Model target, Alignment alignment) {
        return objective(base, target, alignment.map(), alignment.matches());
    }

    /** {@code J} of matches for a map, without building an {@link Alignment}. */
    static double objective(Model base, Model target, LayerMap map, List<UnitMatch> matches) {
        map.check(base.architecture(), target.architecture());
        return new Layers(base, target, map).objective(matches);
    }

    static boolean isFixed(UnitMatch m, Architecture a, Architecture b) {
        boolean inputs = m.baseGroup() == -1 && m.targetGroup() == -1;
        boolean outputs = m.baseGroup() == a.depth() - 1 && m.targetGroup() == b.depth() - 1;
        return (inputs || outputs) && Transplant.groupSize(a, m.baseGroup()) == Transplant.groupSize(b, m.targetGroup());
    }

    /**
     * The mapped layers as float64, converted once per alignment, and ND4J buffers reused across
     * score matrices: allocating off-heap arrays (a fresh gemm result, {@code dup}, {@code
     * Nd4j.create}) costs about as much as the gemm itself at these sizes.
     */
    private static final class Layers {
        /** A layer's weight {@code [out, in]} (row-major and as an ND4J matrix) and bias. */
        private record Dense(double[] w, double[] b, int out, int in, INDArray matrix) {
            static Dense of(Model model, int layer) {
                INDArray w = model.weight(layer).castTo(DataType.DOUBLE).dup('c');
                double[] b = model.bias(layer).castTo(DataType.DOUBLE).dup('c').data().asDouble();
                return new Dense(w.data().asDouble(), b, (int) w.size(0), (int) w.size(1), w);
            }
        }

        private final LayerMap map;
        private final Map<Integer, Dense> base = new HashMap<>();
        private final Map<Integer, Dense> target = new HashMap<>();
        private final Map<String, INDArray> buffers = new HashMap<>();

        Layers(Model baseModel, Model targetModel, LayerMap map) {
            this.map = map;
            for (LayerMap.Pair p : map.pairs()) {
                base.put(p.base(), Dense.of(baseModel, p.base()));
                target.computeIfAbsent(p.target(), t -> Dense.of(targetModel, t));
            }
        }

        /**
         * {@code J} of the matches (see the class comment), summed in the order of {@link
         * Transplant#alignedTensors}: per pair, the weight row-major, then the bias.
         */
        double objective(List<UnitMatch> matches) {
            double j = 0;
            for (LayerMap.Pair p : map.pairs()) {
                Dense a = base.get(p.base());
                Dense b = target.get(p.target());
                int[] out = find(matches, p.base(), p.target());
                int[] in = find(matches, p.base() - 1, p.target() - 1);
                for (int r = 0; r < a.out(); r++) {
                    int q = out[r];
                    int rowA = r * a.in();
                    int rowB = q * b.in();
                    for (int c = 0; c < a.in(); c++) {
                        j += q >= 0 && in[c] >= 0 ? a.w()[rowA + c] * b.w()[rowB + in[c]] : a.w()[rowA + c] * 0.0;
                    }
                }
                for (int r = 0; r < a.out(); r++) j += out[r] >= 0 ? a.b()[r] * b.b()[out[r]] : a.b()[r] * 0.0;
            }
            return j;
        }

        /** Score matrix (row-major, rows = base units, cols = target units) of match {@code m}, the {@code k}-th. */
        double[] score(int k, List<UnitMatch> current, UnitMatch m, int rows, int cols) {
            INDArray s = buffer("s" + k, rows, cols);
            double beta = 0;                                            // the first gemm overwrites s
            double[] bias = null;
            for (LayerMap.Pair p : map.pairs()) {
                Dense a = base.get(p.base());
                Dense b = target.get(p.target());
                if (p.base() == m.baseGroup() && p.target() == m.targetGroup()) {
                    // the match aligns this layer's outputs: gather the target's columns by the input match
                    int[] in = find(current, p.base() - 1, p.target() - 1);
                    double[] g = new double[cols * in.length];          // n_b x in_A: g[q][c] = W_b[q][in[c]]
                    for (int q = 0; q < cols; q++) {
                        int src = q * b.in();
                        int dst = q * in.length;
                        for (int c = 0; c < in.length; c++) if (in[c] >= 0) g[dst + c] = b.w()[src + in[c]];
                    }
                    Nd4j.gemm(a.matrix(), fill(buffer("in" + p, cols, in.length), g), s, false, true, 1.0, beta);
                    beta = 1;
                    bias = new double[rows * cols];
                    for (int r = 0; r < rows; r++) {
                        for (int q = 0; q < cols; q++) bias[r * cols + q] = a.b()[r] * b.b()[q];
                    }
                }
                if (p.base() - 1 == m.baseGroup() && p.target() - 1 == m.targetGroup()) {
                    // the match aligns this layer's inputs: gather the target's rows by the output match
                    int[] out = find(current, p.base(), p.target());
                    double[] g = new double[out.length * cols];         // out_A x n_b: g[r] = W_b[out[r]]
                    for (int r = 0; r < out.length; r++) {
                        if (out[r] >= 0) System.arraycopy(b.w(), out[r] * b.in(), g, r * cols, cols);
                    }
                    Nd4j.gemm(a.matrix(), fill(buffer("out" + p, out.length, cols), g), s, true, false, 1.0, beta);
                    beta = 1;
                }
            }
            double[] score = new double[rows * cols];
            if (beta != 0) s.data().asNioDouble().get(score);
            if (bias != null) for (int i = 0; i < score.length; i++) score[i] += bias[i];
            return score;
        }

        /** A reused zero-offset row-major {@code rows x cols} float64 buffer. */
        private INDArray buffer(String key, int rows, int cols) {
            return buffers.computeIfAbsent(key, x -> Nd4j.create(DataType.DOUBLE, new long[] {rows, cols}, 'c'));
        }

        private static INDArray fill(INDArray buffer, double[] values) {
            DoubleBuffer view = buffer.data().asNioDouble();
            view.put(values);
            return buffer;
        }
    }

    private static int[] find(List<UnitMatch> matches, int a, int b) {
        for (UnitMatch m : matches) if (m.baseGroup() == a && m.targetGroup() == b) return m.targetForBase();
        throw new IllegalStateException("no match b" + a + "<-t" + b);
    }

    private static double value(double[] score, int cols, int[] targetForBase) {
        double v = 0;
        for (int p = 0; p < targetForBase.length; p++) if (targetForBase[p] >= 0) v += score[p * cols + targetForBase[p]];
        return v;
    }

    private static int[] identity(int baseSize, int targetSize) {
        int[] m = new int[baseSize];
        for (int p = 0; p < baseSize; p++) m[p] = p < targetSize ? p : -1;
        return m;
    }
}
