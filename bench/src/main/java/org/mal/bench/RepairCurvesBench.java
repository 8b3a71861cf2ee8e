package org.mal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.Median;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.merge.Repair;
import org.mal.core.method.TrainingSamples;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A REPAIRed move's curves, before and after issue 20's linear first layer for REPAIR, side by side
 * in one run: for same-task, same-depth pairs of a zoo (weight matching, every layer mapped), the
 * aligned + REPAIR curve and the naive curve on the task's test set over a λ grid, with REPAIR's
 * statistics on training rows; timed from the statistics to the report (alignment excluded: it is
 * the same for both).
 * <ul>
 *   <li>before: REPAIR's definition as a plain function of λ ({@link Repair#renormalise} of
 *       {@link Merge#convex}: every layer multiplied per λ on the REPAIR rows and on the test rows);
 *   <li>after: {@link Repair#measured} ({@link org.mal.core.merge.RepairedPath}).
 * </ul>
 * The two run alternately, {@code REPS} times per pair; prints per-pair medians, the median ratio per
 * task and the largest relative difference of the aligned curves' losses.
 *
 * <p>Usage: {@code RepairCurvesBench [ZOO [GRID [ROWS [REPS [PAIRS_PER_TASK]]]]]}, default
 * {@code zoos/default 11 2000 3 10}; data from {@code data/}.
 */
public final class RepairCurvesBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path zooDir = Path.of(args.length > 0 ? args[0] : "zoos/default");
        int grid = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int perTask = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        DataDir data = new DataDir(Path.of("data"));
        Zoo zoo = new Zoo(zooDir);
        List<ModelCard> cards = RepairBench.cardsWithTask(zoo);
        double[] lambdas = Lmc.grid(grid);
        System.out.printf(Locale.ROOT, "REPAIRed curves on %s: grid %d, REPAIR statistics on %d training rows, %d reps; %s%n%n", zooDir, grid, rows,
                reps, org.mal.core.Platform.describe());
        System.out.println("| task | base ← target | before ms | after ms | before ÷ after | max rel. loss diff |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: |");
        Map<String, List<Double>> ratios = new java.util.TreeMap<>();
        Map<String, List<Double>> befores = new java.util.TreeMap<>();
        Map<String, List<Double>> afters = new java.util.TreeMap<>();
        Map<String, Integer> counts = new java.util.HashMap<>();
        for (ModelCard bc : cards) {
            for (ModelCard tc : cards) {
                String task = bc.dataset().task();
                if (bc.id().equals(tc.id()) || !task.equals(tc.dataset().task())) continue;
                if (counts.getOrDefault(task, 0) >= perTask) continue;
                Model a = ModelIO.load(zoo.fileOf(bc.id())).model();
                Model b = ModelIO.load(zoo.fileOf(tc.id())).model();
                if (a.architecture().depth() != b.architecture().depth()) continue;
                counts.merge(task, 1, Integer::sum);
                LayerMap map = LayerMap.identity(a.architecture().depth());
                Alignment al = WeightMatching.align(a, b, map, WeightMatching.Settings.DEFAULT);
                Map<String, INDArray> aligned = Transplant.alignedTensors(a, b, al);
                Map<String, INDArray> naive = Transplant.alignedTensors(a, b, WeightMatching.naive(a, b, map));
                Dataset train = new TrainingSamples(data::load, 0).training(task, rows);
                Dataset test = data.load(task).test();
                INDArray x = train.features(0, train.size());
                List<Double> before = new ArrayList<>();
                List<Double> after = new ArrayList<>();
                double maxDiff = 0;
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    Lmc.Report old = Lmc.evaluate(a, definition(a, b, al, aligned, x), 0, naive, List.of(test), lambdas, 0.05,
                            Evaluator.DEFAULT_BATCH);
                    long t1 = System.nanoTime();
                    Lmc.Report now = Lmc.evaluate(a, Repair.measured(a, b, al, aligned, x), 0, naive, List.of(test), lambdas, 0.05,
                            Evaluator.DEFAULT_BATCH);
                    long t2 = System.nanoTime();
                    before.add((t1 - t0) / 1e6);
                    after.add((t2 - t1) / 1e6);
                    double[] lo = old.tasks().get(0).aligned().loss();
                    double[] ln = now.tasks().get(0).aligned().loss();
                    for (int k = 0; k < lo.length; k++) maxDiff = Math.max(maxDiff, Math.abs(lo[k] - ln[k]) / Math.abs(lo[k]));
                }
                double mb = Median.of(before);
                double ma = Median.of(after);
                ratios.computeIfAbsent(task, k -> new ArrayList<>()).add(mb / ma);
                befores.computeIfAbsent(task, k -> new ArrayList<>()).add(mb);
                afters.computeIfAbsent(task, k -> new ArrayList<>()).add(ma);
                System.out.printf(Locale.ROOT, "| %s | %s ← %s | %.1f | %.1f | %.2f× | %.1e |%n", task, bc.id(), tc.id(), mb, ma, mb / ma, maxDiff);
            }
        }
        System.out.println();
        System.out.println("| task | pairs | median before ms | median after ms | median ratio |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        for (String task : ratios.keySet()) {
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f× |%n", task, ratios.get(task).size(), Median.of(befores.get(task)),
                    Median.of(afters.get(task)), Median.of(ratios.get(task)));
        }
    }

    /** REPAIR as defined, before issue 20's linear path: a model per λ, every layer measured by a product. */
    private static DoubleFunction<Model> definition(Model base, Model target, Alignment al, Map<String, INDArray> aligned, INDArray x) {
        List<Repair.UnitStats> sb = Repair.stats(base, x);
        List<Repair.UnitStats> st = Repair.stats(target, x);
        int depth = base.architecture().depth();
        return l -> l == 0 ? base : Repair.renormalise(Merge.convex(base, aligned, l), Repair.targets(sb, st, al, depth, l), x);
    }
}
