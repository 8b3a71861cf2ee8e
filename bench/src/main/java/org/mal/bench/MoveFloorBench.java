package org.mal.bench;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoubleFunction;
import org.mal.actors.Search;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.method.Aligned;
import org.mal.core.method.LambdaRule;
import org.mal.core.method.Pair;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.stats.McNemar;
import org.mal.engine.MoveMethod;
import org.mal.engine.MoveRunner;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.engine.Workbench;
import org.mal.policies.Move;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A move's time against its arithmetic floor (issue 20), old evaluation path against new in one run.
 *
 * <p>Runs the search of {@code CONF} once (1 worker) to get realistic moves, then replays every
 * evaluated move of one target from the origin, {@code REPS} times, the old and the new evaluation
 * interleaved (their order alternating), each split into phases: <b>align</b> (layer map, alignment,
 * naive transplant), <b>curves</b> (both λ curves on every task), <b>threshold</b> (the λ rule's
 * refinement points), <b>final</b> (the merged model at λ, its metrics on every task, the paired
 * test against the base, its weights hash). Old: {@link Lmc#evaluateReference}, the rule and the
 * final metrics on fresh models (the code before issue 20). New: {@link Lmc#prepare}, as
 * {@link MoveRunner} does now. {@link MoveRunner#run} itself is timed too ("runner"), as a check that
 * the replay is what a worker does. The journal is not in a move's time here (SearchBench's
 * moves/min includes it).
 *
 * <p>The floor: the matrix products the new evaluation cannot avoid (the base's layers before the
 * first merged one once per task; the first merged layer's products for the base, the aligned and the
 * naive end once per task; the later layers once per distinct (curve, λ) it evaluates, λ = 0 once),
 * each timed as a bare {@code Nd4j.gemm} into a preallocated output on the same shape in this run
 * (median of {@code GEMM_REPS}). Alignment is outside the floor.
 *
 * <p>Usage: {@code MoveFloorBench CONF [REPS] [WORKDIR]}; data from {@code data/}.
 */
public final class MoveFloorBench {
    private static final String[] PHASES = {"align", "curves", "threshold", "final"};
    /** Index of the new path's extra measure: the part of "curves" spent in {@link Lmc#prepare} (prefix and first merged layer). */
    private static final int PREPARE = PHASES.length;
    private static final int GEMM_REPS = 41;

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        if (args.length < 1) throw new IllegalArgumentException("usage: MoveFloorBench CONF [REPS] [WORKDIR]");
        Path conf = Path.of(args[0]);
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("move-floor");
        DataDir data = new DataDir(Path.of("data"));
        System.out.printf(Locale.ROOT, "move floor benchmark: %s, %d reps, work in %s; OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s%n", conf, reps, work,
                System.getenv("OMP_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"));
        System.out.println("platform: " + Platform.describe() + "; code " + Platform.codeVersion());

        SearchSettings first = SearchSettings.from(ConfigFactory.parseString("search.workers = 1").withFallback(SearchSettings.readFile(conf)));
        Path dir = work.resolve("search");
        SearchState state = Search.start(first, dir, data::load, Search.Options.quiet());
        SearchSettings settings = SearchSettings.ofRun(state.settings()).withOrigin(state.origin());
        Workbench bench = SearchFolder.workbench(settings, dir, null, data::load);
        Map<String, ModelCard> cards = new TreeMap<>();
        for (var e : bench.zoo().list()) e.card().ifPresent(c -> cards.put(e.id(), c));
        ModelCard origin = state.origin();
        double lossLimit = state.lossLimit();
        List<Move> moves = new ArrayList<>();
        for (List<SearchEvent> run : SearchFolder.inspect(dir).runs()) {
            for (SearchEvent e : run) {
                if (e instanceof SearchEvent.MoveEvaluated m && !m.cached() && m.move().soup().isEmpty() && !moves.contains(m.move())
                        && cards.containsKey(m.move().target())) {
                    moves.add(m.move());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d moves of one target, replayed from the origin %s (loss limit %.4f)%n%n", moves.size(), origin.id(), lossLimit);

        // warm-up: JIT, ND4J, the data and the models' caches
        for (Move m : moves) {
            replay(bench, m, origin, cards.get(m.target()), lossLimit, false);
            replay(bench, m, origin, cards.get(m.target()), lossLimit, true);
        }

        // per rep: the sum over moves of each phase's seconds, old and new; the runner's total
        List<double[]> oldTimes = new ArrayList<>();
        List<double[]> newTimes = new ArrayList<>();
        List<Double> runnerTimes = new ArrayList<>();
        List<Map<String, Double>> gemmPerRep = new ArrayList<>();
        List<Double> floorPerRep = new ArrayList<>();
        List<Double> oncePerRep = new ArrayList<>();
        Floor floor = new Floor();
        for (int i = 0; i < moves.size(); i++) {   // the floor's products, from one replay of each move
            Move m = moves.get(i);
            floor.add(replay(bench, m, origin, cards.get(m.target()), lossLimit, true));
        }
        int lambdaDiffers = 0;
        double maxRelLoss = 0;
        for (int r = 0; r < reps; r++) {
            double[] o = new double[PHASES.length + 1];
            double[] n = new double[PHASES.length + 1];
            double runner = 0;
            for (int i = 0; i < moves.size(); i++) {
                Move m = moves.get(i);
                ModelCard target = cards.get(m.target());
                Replay a;
                Replay b;
                if ((r + i) % 2 == 0) {
                    a = replay(bench, m, origin, target, lossLimit, false);
                    b = replay(bench, m, origin, target, lossLimit, true);
                } else {
                    b = replay(bench, m, origin, target, lossLimit, true);
                    a = replay(bench, m, origin, target, lossLimit, false);
                }
                for (int p = 0; p <= PHASES.length; p++) {
                    o[p] += a.seconds[p];
                    n[p] += b.seconds[p];
                }
                long t0 = System.nanoTime();
                MoveRunner.run(bench, m, origin, null, target, lossLimit);
                runner += (System.nanoTime() - t0) / 1e9;
                if (r == 0) {
                    if (a.lambda != b.lambda) lambdaDiffers++;
                    maxRelLoss = Math.max(maxRelLoss, Math.abs(a.loss - b.loss) / Math.abs(a.loss));
                }
            }
            oldTimes.add(o);
            newTimes.add(n);
            runnerTimes.add(runner);
            // the floor's GEMMs timed between the reps, under the same load as the moves
            Map<String, Double> g = floor.timeShapes();
            gemmPerRep.add(g);
            floorPerRep.add(floor.seconds(g));
            oncePerRep.add(floor.onceSeconds(g));
            System.out.printf(Locale.ROOT, "rep %d: old %.2f s, new %.2f s, runner %.2f s for %d moves; floor %.2f s; new evaluation / floor %.2f%n", r,
                    sum(o), sum(n), runner, moves.size(), floor.seconds(g), (n[1] + n[2] + n[3]) / floor.seconds(g));
        }
        int k = moves.size();
        System.out.println();
        System.out.printf(Locale.ROOT, "same λ on old and new path: %d of %d moves; largest relative difference of the loss at λ: %.2e%n%n",
                k - lambdaDiffers, k, maxRelLoss);

        Map<String, Double> gemm = new TreeMap<>();
        for (String shape : gemmPerRep.get(0).keySet()) gemm.put(shape, Median.of(gemmPerRep.stream().map(g -> g.get(shape)).toList()));
        double floorMs = 1e3 * Median.of(floorPerRep) / k;
        double macsPerMove = floor.macs() / k;
        System.out.println("| phase | old ms/move (median of " + reps + ") | new ms/move | old / new |");
        System.out.println("| --- | ---: | ---: | ---: |");
        double oldEval = 0;
        double newEval = 0;
        for (int p = 0; p < PHASES.length; p++) {
            double om = median(oldTimes, p) * 1e3 / k;
            double nm = median(newTimes, p) * 1e3 / k;
            if (p > 0) {
                oldEval += om;
                newEval += nm;
            }
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", PHASES[p], om, nm, om / nm);
        }
        double oldTotal = Median.of(oldTimes.stream().map(MoveFloorBench::sum).toList()) * 1e3 / k;
        double newTotal = Median.of(newTimes.stream().map(MoveFloorBench::sum).toList()) * 1e3 / k;
        System.out.printf(Locale.ROOT, "| evaluation (curves + threshold + final) | %.2f | %.2f | %.2f |%n", oldEval, newEval, oldEval / newEval);
        System.out.printf(Locale.ROOT, "| whole move | %.2f | %.2f | %.2f |%n", oldTotal, newTotal, oldTotal / newTotal);
        System.out.printf(Locale.ROOT, "| MoveRunner.run (new) | | %.2f | |%n%n", Median.of(runnerTimes) * 1e3 / k);

        System.out.println("| bare GEMM shape (rows x in -> out) | ms (median of " + GEMM_REPS + " calls, median over reps) | GFLOP/s | products per move |");
        System.out.println("| --- | ---: | ---: | ---: |");
        for (var e : gemm.entrySet()) {
            long[] s = Floor.parse(e.getKey());
            System.out.printf(Locale.ROOT, "| %s | %.4f | %.1f | %.1f |%n", e.getKey(), e.getValue() * 1e3, 2.0 * s[0] * s[1] * s[2] / e.getValue() / 1e9,
                    (double) floor.count(e.getKey()) / k);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "floor per move: %.2f M multiply-adds, %.3f ms at the measured GEMM rates (median over reps; %.1f GFLOP/s overall)%n",
                macsPerMove / 1e6, floorMs, 2 * macsPerMove / (floorMs / 1e3) / 1e9);
        System.out.printf(Locale.ROOT, "new evaluation / floor: %.2f; new whole move / floor: %.2f; old evaluation / floor: %.2f%n",
                newEval / floorMs, newTotal / floorMs, oldEval / floorMs);
        System.out.printf(Locale.ROOT, "per phase / floor (new): curves %.2f, threshold %.2f, final %.2f (the floor has no separate share for threshold and final: their points are counted in the floor's later-layer products)%n",
                median(newTimes, 1) * 1e3 / k / floorMs, median(newTimes, 2) * 1e3 / k / floorMs, median(newTimes, 3) * 1e3 / k / floorMs);
        double onceMs = 1e3 * Median.of(oncePerRep) / k;
        double prepMs = median(newTimes, PREPARE) * 1e3 / k;
        System.out.printf(Locale.ROOT, "curves (new) split: prepare (prefix, first merged layer's products) %.2f ms against its floor %.2f ms (%.2f); "
                + "the λ points (curves' rest, threshold, final) %.2f ms against theirs %.2f ms (%.2f)%n", prepMs, onceMs, prepMs / onceMs,
                newEval - prepMs, floorMs - onceMs, (newEval - prepMs) / (floorMs - onceMs));
        System.out.printf(Locale.ROOT, "refinement points per move (mean): %.2f%n", (double) floor.refinePoints / k);
    }

    /** What one replay measured. */
    private record Replay(double[] seconds, double lambda, double loss, Model base, int firstAligned, int firstNaive, int[] rows,
                          int refinePoints, int gridPoints) {}

    /** One move from the origin, phase by phase, on the old path ({@code fast = false}) or the new. */
    private static Replay replay(Workbench bench, Move move, ModelCard baseCard, ModelCard targetCard, double lossLimit, boolean fast) {
        double[] s = new double[PHASES.length + 1];
        long t0 = System.nanoTime();
        MoveMethod method = MoveMethod.of(move);
        Model base = bench.zooModel(baseCard.id());
        Pair pair = new Pair(base, bench.zooModel(targetCard.id()), MoveRunner.task(baseCard), targetCard.dataset() == null ? null
                : targetCard.dataset().task());
        LayerMap map = method.aligner().layerMap(pair, move.layers(), bench);
        Aligned aligned = method.aligner().align(pair, map, bench);
        Map<String, INDArray> naive = Transplant.alignedTensors(base, pair.target(), WeightMatching.naive(base, pair.target(), aligned.alignment().map()));
        List<Dataset> sets = new ArrayList<>();
        for (String t : bench.tasks(pair.baseTask(), pair.targetTask())) sets.add(bench.selection(t));
        double[] lambdas = bench.lambdas();
        long t1 = System.nanoTime();
        s[0] = (t1 - t0) / 1e9;
        if (!method.merger().takesLambda()) throw new IllegalArgumentException("the bench replays convex moves only, not " + method.merger().name());
        DoubleFunction<Model> mergeAt = method.merger().curve(pair, aligned, bench);
        int firstAligned = Lmc.firstLayer(aligned.tensors());
        int firstNaive = Lmc.firstLayer(naive);
        double tolerance = bench.evaluation().tolerance();
        TreeSet<Double> asked = new TreeSet<>();
        double lambda;
        double loss;
        if (fast) {
            Lmc.Evaluation curves = Lmc.prepare(base, mergeAt, firstAligned, org.mal.core.merge.ConvexPath.of(base, naive), firstNaive, sets,
                    Evaluator.DEFAULT_BATCH);
            s[PREPARE] = (System.nanoTime() - t1) / 1e9;
            Lmc.Report report = curves.report(lambdas, tolerance);
            long t2 = System.nanoTime();
            s[1] = (t2 - t1) / 1e9;
            lambda = method.rule().choose(new LambdaRule.Curve(mergeAt, sets.get(0), lambdas, report.tasks().get(0).aligned().loss(),
                    report.tasks().get(0).aligned().accuracy(), lossLimit, l -> {
                        asked.add(l);
                        return curves.aligned(0, l);
                    }));
            long t3 = System.nanoTime();
            s[2] = (t3 - t2) / 1e9;
            Model merged = mergeAt.apply(lambda);
            loss = Double.NaN;
            for (int k = 0; k < sets.size(); k++) {
                Metrics m = curves.aligned(k, lambda);
                if (k == 0) loss = m.loss();
            }
            McNemar.compare(curves.alignedCorrect(0, 0), curves.alignedCorrect(0, lambda));
            merged.contentHash();
            s[3] = (System.nanoTime() - t3) / 1e9;
        } else {
            Lmc.Report report = Lmc.evaluateReference(base, mergeAt, firstAligned, l -> Merge.convex(base, naive, l), firstNaive, sets, lambdas,
                    tolerance, Evaluator.DEFAULT_BATCH);
            long t2 = System.nanoTime();
            s[1] = (t2 - t1) / 1e9;
            lambda = method.rule().choose(new LambdaRule.Curve(mergeAt, sets.get(0), lambdas, report.tasks().get(0).aligned().loss(),
                    report.tasks().get(0).aligned().accuracy(), lossLimit));
            long t3 = System.nanoTime();
            s[2] = (t3 - t2) / 1e9;
            Model merged = mergeAt.apply(lambda);
            loss = Double.NaN;
            for (int k = 0; k < sets.size(); k++) {
                Metrics m = Evaluator.evaluate(merged, sets.get(k));
                if (k == 0) loss = m.loss();
            }
            McNemar.compare(Evaluator.correct(base, sets.get(0)), Evaluator.correct(merged, sets.get(0)));
            merged.contentHash();
            s[3] = (System.nanoTime() - t3) / 1e9;
        }
        int refine = 0;
        for (double l : asked) if (java.util.Arrays.binarySearch(lambdas, l) < 0) refine++;
        int[] rows = sets.stream().mapToInt(Dataset::size).toArray();
        return new Replay(s, lambda, loss, base, firstAligned, firstNaive, rows, refine, lambdas.length);
    }

    /** The products of the new evaluation that no evaluation of these curves can avoid, by shape. */
    private static final class Floor {
        private final Map<String, Long> products = new LinkedHashMap<>();
        /** The products done once per task (prefix and the first merged layer's), a part of {@code products}. */
        private final Map<String, Long> once = new LinkedHashMap<>();
        int refinePoints;

        void add(Replay r) {
            Architecture a = r.base().architecture();
            refinePoints += r.refinePoints();
            int first = Math.min(r.firstAligned(), r.firstNaive());
            for (int t = 0; t < r.rows().length; t++) {
                int rows = r.rows()[t];
                for (int i = 0; i < first; i++) addOnce(rows, a, i, 1);
                // first merged layer: the base's product (shared) and each end's
                addOnce(rows, a, r.firstAligned(), 2);
                if (r.firstNaive() != r.firstAligned()) addOnce(rows, a, r.firstNaive(), 1);
                addOnce(rows, a, r.firstNaive(), 1);
                int alignedPoints = r.gridPoints() - 1 + (t == 0 ? r.refinePoints() : 0);
                int naivePoints = r.gridPoints() - 1;
                for (int i = r.firstAligned() + 1; i < a.depth(); i++) add(rows, a, i, alignedPoints + 1);   // + λ = 0, the base
                for (int i = r.firstNaive() + 1; i < a.depth(); i++) add(rows, a, i, naivePoints);
            }
        }

        private void add(int rows, Architecture a, int layer, long times) {
            var l = a.layers().get(layer);
            products.merge(rows + "x" + l.inputSize() + "->" + l.outputSize(), times, Long::sum);
        }

        private void addOnce(int rows, Architecture a, int layer, long times) {
            add(rows, a, layer, times);
            var l = a.layers().get(layer);
            once.merge(rows + "x" + l.inputSize() + "->" + l.outputSize(), times, Long::sum);
        }

        double onceSeconds(Map<String, Double> gemm) {
            double sec = 0;
            for (var e : once.entrySet()) sec += gemm.get(e.getKey()) * e.getValue();
            return sec;
        }

        long count(String shape) { return products.getOrDefault(shape, 0L); }

        static long[] parse(String shape) {
            String[] p = shape.split("x|->");
            return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2])};
        }

        double macs() {
            double m = 0;
            for (var e : products.entrySet()) {
                long[] s = parse(e.getKey());
                m += (double) s[0] * s[1] * s[2] * e.getValue();
            }
            return m;
        }

        /** Median seconds of one bare product per shape: {@code h[rows, in] · W[out, in]ᵀ} into a preallocated output. */
        Map<String, Double> timeShapes() {
            Map<String, Double> out = new TreeMap<>();
            for (String shape : products.keySet()) {
                long[] s = parse(shape);
                INDArray h = Nd4j.rand(DataType.FLOAT, s[0], s[1]);
                INDArray w = Nd4j.rand(DataType.FLOAT, s[2], s[1]);
                INDArray z = Nd4j.create(DataType.FLOAT, new long[] {s[0], s[2]}, 'c');
                for (int i = 0; i < 10; i++) Nd4j.gemm(h, w, z, false, true, 1.0, 0.0);
                List<Double> t = new ArrayList<>();
                for (int i = 0; i < GEMM_REPS; i++) {
                    long t0 = System.nanoTime();
                    Nd4j.gemm(h, w, z, false, true, 1.0, 0.0);
                    t.add((System.nanoTime() - t0) / 1e9);
                }
                out.put(shape, Median.of(t));
            }
            return out;
        }

        double seconds(Map<String, Double> gemm) {
            double sec = 0;
            for (var e : products.entrySet()) sec += gemm.get(e.getKey()) * e.getValue();
            return sec;
        }
    }

    private static double median(List<double[]> perRep, int phase) {
        return Median.of(perRep.stream().map(a -> a[phase]).toList());
    }

    /** The phases' total (without the extra measure). */
    private static double sum(double[] a) {
        double s = 0;
        for (int p = 0; p < PHASES.length; p++) s += a[p];
        return s;
    }
}
