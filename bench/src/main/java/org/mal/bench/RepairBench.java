package org.mal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.Median;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.method.Aligned;
import org.mal.core.method.Aligner;
import org.mal.core.method.ConvexMerger;
import org.mal.core.method.Methods;
import org.mal.core.method.Pair;
import org.mal.core.method.TrainingSamples;
import org.mal.core.method.WeightAligner;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;

/**
 * REPAIR on every same-task pair of a zoo (issue 17): each ordered pair (base ≠ target, same task,
 * same depth, every layer mapped i ← i), weight matching (seed 0), the λ curves of the aligned merge
 * with and without REPAIR on the task's full test set (reported only: nothing is chosen here), the
 * statistics on {@code repair-rows} stratified training rows. Prints per pair and the medians: the
 * midpoint accuracy drop (mean of the two endpoints minus the accuracy at λ = 0.5), the AUC ratio
 * against the naive merge, the loss barrier, λ* (5%); and the time of one merge at λ = 0.5 with and
 * without REPAIR, measured side by side (medians over pairs; statistics included).
 *
 * <p>Usage: {@code RepairBench [ZOO] [GRID] [REPAIR_ROWS] [FIGURES] [ALIGNER]} (defaults {@code zoos/default 11 2000 - weight});
 * data from {@code data/}; {@code FIGURES} {@code -} for none; {@code ALIGNER} any aligner of the registry with its default
 * settings (e.g. {@code zip}). With {@code FIGURES}, a folder: per task, the accuracy curves (aligned, aligned + REPAIR, naive) of the
 * pair whose plain midpoint drop is the task's median, as {@code repair-<task>.png}.
 */
public final class RepairBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path zooDir = Path.of(args.length > 0 ? args[0] : "zoos/default");
        int grid = args.length > 1 ? Integer.parseInt(args[1]) : 11;
        int rows = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Path figures = args.length > 3 && !args[3].equals("-") ? Path.of(args[3]) : null;
        String alignerName = args.length > 4 ? args[4] : "weight";
        Map<String, List<Object[]>> curvesByTask = new java.util.TreeMap<>();
        DataDir data = new DataDir(Path.of("data"));
        Zoo zoo = new Zoo(zooDir);
        List<ModelCard> cards = cardsWithTask(zoo);
        TrainingSamples samples = new TrainingSamples(data::load, 0);
        Aligner aligner = alignerName.equals("weight") ? new WeightAligner(100, null)
                : Methods.aligner(alignerName, Map.of(), "ALIGNER", "ALIGNER settings");
        ConvexMerger repair = new ConvexMerger(true, rows);
        ConvexMerger closed = new ConvexMerger(true, rows, true);
        double[] lambdas = Lmc.grid(grid);
        int mid = grid / 2;
        if (lambdas[mid] != 0.5) throw new IllegalArgumentException("an odd grid is needed so that 0.5 is on it, got " + grid);
        System.out.printf(Locale.ROOT, "REPAIR on same-task pairs of %s: grid %d, statistics on %d training rows; curves on the full test sets%n%n",
                zooDir, grid, rows);
        System.out.println("aligner: " + aligner);
        System.out.println("| task | base ← target | midpoint drop: aligned | +REPAIR | AUC ratio: aligned | +REPAIR | barrier: aligned | +REPAIR | λ*: aligned | +REPAIR | closed form: drop | AUC ratio | AUC-ratio floor |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Map<String, List<List<Double>>> byTask = new java.util.TreeMap<>();
        List<Double> plainMs = new ArrayList<>();
        List<Double> repairMs = new ArrayList<>();
        List<Double> closedMs = new ArrayList<>();
        for (ModelCard bc : cards) {
            for (ModelCard tc : cards) {
                String task = bc.dataset().task();
                if (bc.id().equals(tc.id()) || !task.equals(tc.dataset().task())) continue;
                Model a = ModelIO.load(zoo.fileOf(bc.id())).model();
                Model b = ModelIO.load(zoo.fileOf(tc.id())).model();
                if (a.architecture().depth() != b.architecture().depth()) continue;
                LayerMap map = LayerMap.identity(a.architecture().depth());
                Pair pair = new Pair(a, b, task, task);
                Aligned al = aligner.align(pair, map, samples);
                Map<String, org.nd4j.linalg.api.ndarray.INDArray> naive = Transplant.alignedTensors(a, b, WeightMatching.naive(a, b, map));
                Dataset test = data.load(task).test();
                Lmc.Report plain = Lmc.evaluate(a, al.tensors(), naive, List.of(test), lambdas, 0.05, Evaluator.DEFAULT_BATCH);
                DoubleFunction<Model> repaired = repair.curve(pair, al, samples);
                Lmc.Report rep = Lmc.evaluate(a, repaired, Lmc.firstLayer(al.tensors()), naive, List.of(test), lambdas, 0.05,
                        Evaluator.DEFAULT_BATCH);
                Lmc.Report cf = Lmc.evaluate(a, closed.curve(pair, al, samples), Lmc.firstLayer(al.tensors()), naive, List.of(test), lambdas,
                        0.05, Evaluator.DEFAULT_BATCH);
                double dropPlain = drop(plain, mid);
                double dropRepair = drop(rep, mid);
                curvesByTask.computeIfAbsent(task, k -> new ArrayList<>()).add(new Object[] {dropPlain, bc.id() + " ← " + tc.id(), plain, rep});
                byTask.computeIfAbsent(task, k -> java.util.stream.Stream.generate(() -> (List<Double>) new ArrayList<Double>()).limit(11).toList());
                List<List<Double>> v = byTask.get(task);
                double[] row = {dropPlain, dropRepair, plain.aucRatio(), rep.aucRatio(), plain.barrier(), rep.barrier(), plain.lambdaStar(),
                        rep.lambdaStar(), drop(cf, mid), cf.aucRatio(), aucRatioFloor(plain)};
                for (int k = 0; k < row.length; k++) v.get(k).add(row[k]);
                System.out.printf(Locale.ROOT, "| %s | %s ← %s | %.2f | %.2f | %.3f | %.3f | %.4f | %.4f | %.2f | %.2f | %.2f | %.3f | %.3f |%n", task,
                        bc.id(), tc.id(), 100 * dropPlain, 100 * dropRepair, row[2], row[3], row[4], row[5], row[6], row[7], 100 * row[8], row[9],
                        row[10]);
                // the cost of one merge at λ = 0.5, side by side (REPAIR includes its statistics)
                for (int rep2 = 0; rep2 < 3; rep2++) {
                    long t0 = System.nanoTime();
                    Model m = Merge.convex(a, al.tensors(), 0.5);
                    m.contentHash();
                    long t1 = System.nanoTime();
                    Model r = repair.merge(pair, al, 0.5, samples);
                    r.contentHash();
                    long t2 = System.nanoTime();
                    closed.merge(pair, al, 0.5, samples).contentHash();
                    long t3 = System.nanoTime();
                    if (rep2 == 2) {
                        plainMs.add((t1 - t0) / 1e6);
                        repairMs.add((t2 - t1) / 1e6);
                        closedMs.add((t3 - t2) / 1e6);
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| task | pairs | median midpoint drop (points): aligned | +REPAIR | ratio | median AUC ratio: aligned | +REPAIR | median barrier: aligned | +REPAIR | median λ*: aligned | +REPAIR | closed form: drop | AUC ratio | AUC-ratio floor |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var e : byTask.entrySet()) {
            List<List<Double>> v = e.getValue();
            double d0 = Median.of(v.get(0));
            double d1 = Median.of(v.get(1));
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.1f× | %.3f | %.3f | %.4f | %.4f | %.2f | %.2f | %.2f | %.3f | %.3f |%n", e.getKey(),
                    v.get(0).size(), 100 * d0, 100 * d1, d0 / d1, Median.of(v.get(2)), Median.of(v.get(3)), Median.of(v.get(4)),
                    Median.of(v.get(5)), Median.of(v.get(6)), Median.of(v.get(7)), 100 * Median.of(v.get(8)), Median.of(v.get(9)),
                    Median.of(v.get(10)));
        }
        if (figures != null) {
            java.nio.file.Files.createDirectories(figures);
            for (var e : curvesByTask.entrySet()) {
                List<Object[]> pairs = new ArrayList<>(e.getValue());
                pairs.sort(java.util.Comparator.comparingDouble(x -> (Double) x[0]));
                Object[] median = pairs.get(pairs.size() / 2);
                Lmc.Report plain = (Lmc.Report) median[2];
                Lmc.Report rep = (Lmc.Report) median[3];
                Lmc.TaskCurves p = plain.tasks().get(0);
                String pairName = ((String) median[1]).replace(e.getKey() + "-", "");
                var chart = org.mal.report.Plots.lines(e.getKey() + " (median pair): " + pairName, "λ", "test accuracy",
                        List.of(org.mal.report.Plots.Line.of("aligned", plain.lambdas(), p.aligned().accuracy()),
                                org.mal.report.Plots.Line.of("aligned + REPAIR", rep.lambdas(), rep.tasks().get(0).aligned().accuracy()),
                                org.mal.report.Plots.Line.of("naive", plain.lambdas(), p.naive().accuracy())));
                Path png = figures.resolve("repair-" + e.getKey() + ".png");
                org.mal.report.Plots.png(chart, png);
                System.out.println("figure: " + png + " (" + median[1] + ")");
            }
        }
        System.out.printf(Locale.ROOT, "%none merge at λ = 0.5, median over %d pairs (third of three runs each): plain %.1f ms, REPAIR %.1f ms "
                + "(statistics of both models on %d rows and the renormalisation included): %.1f×; closed form %.1f ms: %.1f×%n",
                plainMs.size(), Median.of(plainMs), Median.of(repairMs), rows, Median.of(repairMs) / Median.of(plainMs), Median.of(closedMs),
                Median.of(closedMs) / Median.of(plainMs));
    }

    /** Mean accuracy of the two endpoints minus the accuracy at the midpoint. */
    /**
     * The smallest AUC ratio a merge without any barrier could have: its loss a straight line between the
     * endpoints, area {@code ½(L(0) + L(1))}, over the naive merge's area. A curve that dips under that
     * line can go below it, rarely by much.
     */
    /** The cards of the zoo's models that name their task. */
    static List<ModelCard> cardsWithTask(Zoo zoo) throws java.io.IOException {
        List<ModelCard> cards = new ArrayList<>();
        for (var e : zoo.list()) {
            ModelIO.Loaded l = ModelIO.load(zoo.fileOf(e.id()));
            if (l.card().isPresent() && l.card().get().dataset() != null) cards.add(l.card().get());
        }
        return cards;
    }

    static double aucRatioFloor(Lmc.Report r) {
        double[] loss = r.tasks().get(0).aligned().loss();
        return 0.5 * (loss[0] + loss[loss.length - 1]) / r.naiveAuc();
    }

    static double drop(Lmc.Report r, int mid) {
        double[] acc = r.tasks().get(0).aligned().accuracy();
        return 0.5 * (acc[0] + acc[acc.length - 1]) - acc[mid];
    }
}
