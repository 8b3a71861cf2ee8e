package org.mal.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.policies.ZooIndex;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code figure1}'s pairs phase by phase (issue 20): for every ordered pair of a zoo's models, what
 * {@code figure1} does for it (weight matching with the default settings, the aligned and the naive
 * transplant, both loss curves over the λ grid), each phase timed, summed over the pairs; several
 * reps in one JVM, medians. Rows, grid and the test sample are figure1's defaults (1,000 stratified
 * test rows, seed 1; 11 points).
 *
 * <p>Usage: {@code Figure1Bench [ZOO] [DATA] [REPS]}, default {@code zoos/default data 5}.
 */
public final class Figure1Bench {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path zooDir = Path.of(args.length > 0 ? args[0] : "zoos/default");
        DataDir data = new DataDir(Path.of(args.length > 1 ? args[1] : "data"));
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Zoo zoo = new Zoo(zooDir);
        ZooIndex index = ZooIndex.from(zoo);
        Map<String, Model> models = new HashMap<>();
        for (ModelCard c : index.cards()) models.put(c.id(), ModelIO.load(zoo.fileOf(c.id())).model());
        Map<String, Dataset> tests = new HashMap<>();
        for (ModelCard c : index.cards()) {
            tests.computeIfAbsent(c.dataset().task(), t -> {
                Dataset test = data.load(t).test();
                int n = Math.min(1000, test.size());
                return test.subset(test.name() + "-" + n, Splits.stratified(test.labels(), test.classCount(), n, 1).selected());
            });
        }
        double[] lambdas = Lmc.grid(11);
        System.out.printf(Locale.ROOT, "figure1 bench: zoo %s, %d models, %d reps; OMP_NUM_THREADS=%s; %s; code %s%n", zooDir, models.size(), reps,
                System.getenv("OMP_NUM_THREADS"), Platform.describe(), Platform.codeVersion());
        String[] phases = {"weight matching", "transplant (aligned)", "naive + transplant", "curves (Lmc.evaluate)", "pair total"};
        List<List<Double>> times = new ArrayList<>();
        for (int k = 0; k < phases.length; k++) times.add(new ArrayList<>());
        long sweeps = 0;
        int pairs = 0;
        for (int rep = -1; rep < reps; rep++) {                       // rep -1: warm-up, not counted
            double[] t = new double[phases.length];
            sweeps = 0;
            pairs = 0;
            for (ModelCard a : index.cards()) {
                for (ModelCard b : index.cards()) {
                    if (a.id().equals(b.id())) continue;
                    Model ma = models.get(a.id());
                    Model mb = models.get(b.id());
                    LayerMap map = LayerMap.common(ma.architecture().depth(), mb.architecture().depth());
                    long t0 = System.nanoTime();
                    Alignment al = WeightMatching.align(ma, mb, map, WeightMatching.Settings.DEFAULT);
                    long t1 = System.nanoTime();
                    Map<String, INDArray> aligned = Transplant.alignedTensors(ma, mb, al);
                    long t2 = System.nanoTime();
                    Map<String, INDArray> naive = Transplant.alignedTensors(ma, mb, WeightMatching.naive(ma, mb, map));
                    long t3 = System.nanoTime();
                    Lmc.evaluate(ma, aligned, naive, List.of(tests.get(a.dataset().task())), lambdas, 0.05, Evaluator.DEFAULT_BATCH);
                    long t4 = System.nanoTime();
                    t[0] += (t1 - t0) / 1e9;
                    t[1] += (t2 - t1) / 1e9;
                    t[2] += (t3 - t2) / 1e9;
                    t[3] += (t4 - t3) / 1e9;
                    t[4] += (t4 - t0) / 1e9;
                    sweeps += al.sweeps();
                    pairs++;
                }
            }
            if (rep >= 0) for (int k = 0; k < phases.length; k++) times.get(k).add(t[k]);
            System.out.printf(Locale.ROOT, "rep %d: %s%n", rep, fmt(t));
        }
        System.out.printf(Locale.ROOT, "%n%d pairs, %d weight-matching sweeps in all%n%n| phase | s for all pairs (median of %d) | ms per pair |%n| --- | ---: | ---: |%n",
                pairs, sweeps, reps);
        for (int k = 0; k < phases.length; k++) {
            double m = Median.of(times.get(k));
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.2f |%n", phases[k], m, m / pairs * 1e3);
        }
        // first-layer product columns over all reps (warm-up included): multiplied, and read from memory
        for (var e : tests.entrySet()) {
            long[] c = e.getValue().featureProducts().counts();
            System.out.printf(Locale.ROOT, "first-layer columns on %s: %d multiplied, %d read from memory%n", e.getKey(), c[0], c[1]);
        }
    }

    private static String fmt(double[] t) {
        StringBuilder s = new StringBuilder();
        for (double v : t) s.append(String.format(Locale.ROOT, "%.3f ", v));
        return s.toString().trim();
    }
}
