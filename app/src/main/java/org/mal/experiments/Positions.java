package org.mal.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.mal.core.align.LayerMap;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;

/**
 * Rows 3–4 of the paper's Figure 1: merging one selected layer at a time, by position. For ordered
 * pairs of zoo models of <em>different</em> depth, every single-layer map "base hidden layer i ←
 * target hidden layer j" is merged (weight matching, the loss curves over λ on the base task's test
 * rows), and the pairs' results are averaged per cell (i, j): the AUC of the aligned loss curve over
 * the naive one, and the mean loss curves themselves (for the panels of chosen cells). Output
 * layers are not mapped (their units are the classes). A seeded sample of at most {@code maxPairs}
 * pairs per (base task, target task) bounds the work: a pair of depths 6 and 5 alone is 30 merges.
 */
final class Positions {
    private Positions() {}

    /** One cell (base hidden layer i ← target hidden layer j) of one task pair, averaged over its pairs. */
    record Cell(int baseLayer, int targetLayer, int pairs, double meanAucRatio, double[] meanAlignedLoss, double[] meanNaiveLoss) {}

    /** A task pair's cells, and how many model pairs were merged. */
    record Grid(String baseTask, String targetTask, int pairs, int maxDepth, List<Cell> cells) {
        /** The cell (i, j), or {@code null} if no pair had both layers. */
        Cell cell(int i, int j) {
            for (Cell c : cells) if (c.baseLayer() == i && c.targetLayer() == j) return c;
            return null;
        }
    }

    /**
     * The grid of one (base task, target task): {@code cards} are the zoo's models of those tasks,
     * {@code tests} gives a base task's test rows.
     */
    static Grid of(String baseTask, String targetTask, List<ModelCard> cards, Map<String, Model> models, Function<String, Dataset> tests,
                   double[] lambdas, int maxPairs, long seed, int threads) throws Exception {
        List<ModelCard[]> pairs = new ArrayList<>();
        for (ModelCard a : cards) {
            if (!a.dataset().task().equals(baseTask)) continue;
            for (ModelCard b : cards) {
                if (!b.dataset().task().equals(targetTask) || a.id().equals(b.id())) continue;
                if (a.architecture().hiddenWidths().size() == b.architecture().hiddenWidths().size()) continue;
                pairs.add(new ModelCard[] {a, b});
            }
        }
        if (pairs.size() > maxPairs) {
            java.util.Collections.shuffle(pairs, new Random(seed));
            pairs = new ArrayList<>(pairs.subList(0, maxPairs));
        }
        int maxDepth = 0;
        for (ModelCard[] p : pairs) {
            maxDepth = Math.max(maxDepth, Math.max(p[0].architecture().hiddenWidths().size(), p[1].architecture().hiddenWidths().size()));
        }
        double[][] ratioSum = new double[maxDepth][maxDepth];
        double[][][] alignedSum = new double[maxDepth][maxDepth][lambdas.length];
        double[][][] naiveSum = new double[maxDepth][maxDepth][lambdas.length];
        int[][] count = new int[maxDepth][maxDepth];
        Dataset test = tests.apply(baseTask);
        // each pair's single-layer merges on the pool; summed in pair order, so the result does not depend on the threads
        List<Callable<Lmc.Report[][]>> work = new ArrayList<>();
        for (ModelCard[] p : pairs) {
            Model a = models.get(p[0].id());
            Model b = models.get(p[1].id());
            int da = p[0].architecture().hiddenWidths().size();
            int db = p[1].architecture().hiddenWidths().size();
            work.add(() -> {
                Lmc.Report[][] r = new Lmc.Report[da][db];
                for (int i = 0; i < da; i++) {
                    for (int j = 0; j < db; j++) r[i][j] = ZooExperiment.evaluate(a, b, LayerMap.parse(i + ":" + j), test, lambdas, 0.05);
                }
                return r;
            });
        }
        for (Lmc.Report[][] reports : ZooExperiment.inParallel(work, threads)) {
            for (int i = 0; i < reports.length; i++) {
                for (int j = 0; j < reports[i].length; j++) {
                    Lmc.Report r = reports[i][j];
                    ratioSum[i][j] += r.aucRatio();
                    Lmc.TaskCurves curves = r.tasks().get(0);
                    for (int k = 0; k < lambdas.length; k++) {
                        alignedSum[i][j][k] += curves.aligned().loss()[k];
                        naiveSum[i][j][k] += curves.naive().loss()[k];
                    }
                    count[i][j]++;
                }
            }
        }
        List<Cell> cells = new ArrayList<>();
        for (int i = 0; i < maxDepth; i++) {
            for (int j = 0; j < maxDepth; j++) {
                int n = count[i][j];
                if (n == 0) continue;
                double[] al = alignedSum[i][j].clone();
                double[] na = naiveSum[i][j].clone();
                for (int k = 0; k < lambdas.length; k++) { al[k] /= n; na[k] /= n; }
                cells.add(new Cell(i, j, n, ratioSum[i][j] / n, al, na));
            }
        }
        return new Grid(baseTask, targetTask, pairs.size(), maxDepth, cells);
    }
}
