package org.mal.core.merge;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.data.Dataset;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Linear mode connectivity of a merge: loss and accuracy curves over a λ grid, for the aligned
 * merge and for the naive one (padding or cropping only), on one or more datasets, and the metrics
 * read from them. The first dataset is the base's task.
 *
 * <ul>
 *   <li>loss barrier (MAL paper Def. 1, Frankle et al. 2020): {@code max_λ L(λ) − ½(L(0) + L(1))};
 *   <li>AUC: area under the loss curve (trapezoid rule over the grid); the AUC ratio is aligned over
 *       naive, below 1 when alignment helps (paper Fig. 1);
 *   <li>λ*: the largest grid λ such that the base-task loss stays within {@code tolerance} (relative)
 *       of {@code L(0)} at every grid point from 0 up to it — the merging threshold;
 *   <li>accuracy on every dataset at λ*.
 * </ul>
 *
 * <p>No avoidable work: the layers before the first merged layer do not depend on λ, so their
 * outputs are computed once per dataset and shared by every grid point of both curves; for a convex
 * merge ({@link ConvexPath}) the first merged layer is linear in λ and is multiplied once per dataset
 * too ({@link #prepare}, {@link LinearCurves}).
 */
public final class Lmc {
    private Lmc() {}

    /** One curve: loss and accuracy at each λ. */
    public record Curve(double[] loss, double[] accuracy) {}

    /** Both curves on one dataset. */
    public record TaskCurves(String dataset, String datasetHash, Curve aligned, Curve naive) {}

    /** Curves and metrics; see the class comment. */
    public record Report(double[] lambdas, List<TaskCurves> tasks, double tolerance, double barrier, double naiveBarrier,
                         double auc, double naiveAuc, double aucRatio, double lambdaStar,
                         Map<String, Double> accuracyAtLambdaStar) {}

    /** {@code points} evenly spaced values from 0 to 1 inclusive (numpy's {@code linspace(0, 1, points)}). */
    public static double[] grid(int points) {
        if (points < 2) throw new IllegalArgumentException("a λ grid needs at least 2 points, got " + points);
        double[] g = new double[points];
        for (int k = 0; k < points; k++) g[k] = (double) k / (points - 1);
        return g;
    }

    public static Report evaluate(Model base, Map<String, INDArray> aligned, Map<String, INDArray> naive, List<Dataset> tasks,
                                  double[] lambdas, double tolerance, int batchSize) {
        return evaluate(base, ConvexPath.of(base, aligned), firstLayer(aligned), naive, tasks, lambdas, tolerance, batchSize);
    }

    /**
     * The same with the aligned merge given as a function of λ (a REPAIRed merge, say) that leaves
     * the base's layers before {@code firstAligned} unchanged (they are computed once per task).
     */
    public static Report evaluate(Model base, DoubleFunction<Model> alignedAt, int firstAligned, Map<String, INDArray> naive,
                                  List<Dataset> tasks, double[] lambdas, double tolerance, int batchSize) {
        return evaluate(base, alignedAt, firstAligned, ConvexPath.of(base, naive), firstLayer(naive), tasks, lambdas, tolerance, batchSize);
    }

    /** The same with the naive merge given as a function of λ too (a soup of naive merges, say), leaving the base's layers before {@code firstNaive} unchanged. */
    public static Report evaluate(Model base, DoubleFunction<Model> alignedAt, int firstAligned, DoubleFunction<Model> naiveAt, int firstNaive,
                                  List<Dataset> tasks, double[] lambdas, double tolerance, int batchSize) {
        return prepare(base, alignedAt, firstAligned, naiveAt, firstNaive, tasks, batchSize).report(lambdas, tolerance);
    }

    /**
     * The evaluation of a merge's two curves on {@code tasks}, ready to answer at any λ: the base's
     * layers before the first merged one are computed once per task, and a {@link ConvexPath} is
     * evaluated with its first merged layer linear in λ (its products once per task, the base's shared
     * by both curves; {@link LinearCurves}). Any other merge function is evaluated model by model
     * from the shared prefix. Results are memoised by λ.
     */
    public static Evaluation prepare(Model base, DoubleFunction<Model> alignedAt, int firstAligned, DoubleFunction<Model> naiveAt,
                                     int firstNaive, List<Dataset> tasks, int batchSize) {
        if (tasks.isEmpty()) throw new IllegalArgumentException("LMC needs at least one dataset");
        int first = Math.min(firstAligned, firstNaive);
        if (alignedAt instanceof ConvexPath p) first = Math.min(first, p.firstLayer());
        if (naiveAt instanceof ConvexPath p) first = Math.min(first, p.firstLayer());
        if (alignedAt instanceof RepairedPath p) first = Math.min(first, p.firstLayer());
        if (naiveAt instanceof RepairedPath p) first = Math.min(first, p.firstLayer());
        List<LinearCurves.Branch> aligned = new ArrayList<>();
        List<LinearCurves.Branch> naive = new ArrayList<>();
        for (Dataset d : tasks) {
            LinearCurves c = new LinearCurves(base, d, first, Evaluator.activationsBefore(base, first, d, batchSize));
            aligned.add(c.branch(alignedAt, firstAligned));
            naive.add(c.branch(naiveAt, firstNaive));
        }
        return new Evaluation(List.copyOf(tasks), aligned, naive);
    }

    /** A merge's curves on its tasks at any λ ({@link #prepare}); one move's, on one thread. */
    public static final class Evaluation {
        private final List<Dataset> tasks;
        private final List<LinearCurves.Branch> aligned;
        private final List<LinearCurves.Branch> naive;

        private Evaluation(List<Dataset> tasks, List<LinearCurves.Branch> aligned, List<LinearCurves.Branch> naive) {
            this.tasks = tasks;
            this.aligned = aligned;
            this.naive = naive;
        }

        /** Loss and accuracy of the aligned merge at {@code lambda} on task {@code task} (index into the tasks). */
        public Metrics aligned(int task, double lambda) { return aligned.get(task).at(lambda).metrics(); }

        /** Per row of task {@code task}, whether the aligned merge at {@code lambda} predicts the label (λ = 0: the base). */
        public boolean[] alignedCorrect(int task, double lambda) { return aligned.get(task).at(lambda).correct().clone(); }

        /** Loss and accuracy of the naive merge at {@code lambda} on task {@code task}. */
        public Metrics naive(int task, double lambda) { return naive.get(task).at(lambda).metrics(); }

        /** Both curves over {@code lambdas} on every task, and the metrics read from them. */
        public Report report(double[] lambdas, double tolerance) {
            if (lambdas[0] != 0 || lambdas[lambdas.length - 1] != 1) throw new IllegalArgumentException("the λ grid must run from 0 to 1");
            List<TaskCurves> curves = new ArrayList<>();
            for (int t = 0; t < tasks.size(); t++) {
                Dataset d = tasks.get(t);
                curves.add(new TaskCurves(d.name(), d.contentHash(), curve(aligned.get(t), lambdas), curve(naive.get(t), lambdas)));
            }
            return Lmc.report(lambdas, curves, tolerance);
        }

        private static Curve curve(LinearCurves.Branch b, double[] lambdas) {
            double[] loss = new double[lambdas.length];
            double[] acc = new double[lambdas.length];
            for (int k = 0; k < lambdas.length; k++) {
                Metrics m = b.at(lambdas[k]).metrics();
                loss[k] = m.loss();
                acc[k] = m.accuracy();
            }
            return new Curve(loss, acc);
        }
    }

    /**
     * The evaluation as it was before {@link #prepare} (issue 20): a model per λ and curve, each run
     * from the shared prefix in batches. Kept as the reference the fast path is tested and benchmarked against.
     */
    public static Report evaluateReference(Model base, DoubleFunction<Model> alignedAt, int firstAligned, DoubleFunction<Model> naiveAt,
                                           int firstNaive, List<Dataset> tasks, double[] lambdas, double tolerance, int batchSize) {
        if (tasks.isEmpty()) throw new IllegalArgumentException("LMC needs at least one dataset");
        if (lambdas[0] != 0 || lambdas[lambdas.length - 1] != 1) throw new IllegalArgumentException("the λ grid must run from 0 to 1");
        int first = Math.min(firstAligned, firstNaive);
        List<TaskCurves> curves = new ArrayList<>();
        for (Dataset d : tasks) {
            // as before issue 20: the features copied into ND4J for every evaluation
            INDArray prefix = first == 0 ? d.features(0, d.size()) : Evaluator.activationsBefore(base, first, d, batchSize);
            curves.add(new TaskCurves(d.name(), d.contentHash(),
                    referenceCurve(alignedAt, lambdas, first, prefix, d, batchSize),
                    referenceCurve(naiveAt, lambdas, first, prefix, d, batchSize)));
        }
        return report(lambdas, curves, tolerance);
    }

    /**
     * The metrics read from curves already measured (a CNN move's, which are not computed by
     * {@link #prepare}): barrier, areas, λ* and the accuracies there, from the first task's curves.
     */
    public static Report report(double[] lambdas, List<TaskCurves> curves, double tolerance) {
        if (curves.isEmpty()) throw new IllegalArgumentException("a report needs the curves of at least one task");
        if (lambdas[0] != 0 || lambdas[lambdas.length - 1] != 1) throw new IllegalArgumentException("the λ grid must run from 0 to 1");
        Curve a = curves.get(0).aligned();
        Curve n = curves.get(0).naive();
        double auc = area(lambdas, a.loss());
        double naiveAuc = area(lambdas, n.loss());
        int star = thresholdIndex(a.loss(), tolerance);
        Map<String, Double> accAtStar = new LinkedHashMap<>();
        for (TaskCurves t : curves) accAtStar.put(t.dataset(), t.aligned().accuracy()[star]);
        return new Report(lambdas.clone(), curves, tolerance, barrier(a.loss()), barrier(n.loss()), auc, naiveAuc,
                auc / naiveAuc, lambdas[star], accAtStar);
    }

    private static Curve referenceCurve(DoubleFunction<Model> mergeAt, double[] lambdas, int first, INDArray prefix, Dataset d, int batchSize) {
        double[] loss = new double[lambdas.length];
        double[] acc = new double[lambdas.length];
        for (int k = 0; k < lambdas.length; k++) {
            Metrics m = Evaluator.evaluateFrom(mergeAt.apply(lambdas[k]), first, prefix, d, batchSize);
            loss[k] = m.loss();
            acc[k] = m.accuracy();
        }
        return new Curve(loss, acc);
    }

    /** {@code max L(λ) − ½(L(0) + L(1))} over the grid. */
    public static double barrier(double[] loss) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : loss) max = Math.max(max, l);
        return max - 0.5 * (loss[0] + loss[loss.length - 1]);
    }

    /** Trapezoid rule. */
    public static double area(double[] x, double[] y) {
        double a = 0;
        for (int k = 1; k < x.length; k++) a += 0.5 * (y[k] + y[k - 1]) * (x[k] - x[k - 1]);
        return a;
    }

    /** Last index of the leading run of points whose loss is within {@code tolerance} (relative) of {@code loss[0]}. */
    static int thresholdIndex(double[] loss, double tolerance) {
        double limit = loss[0] + tolerance * Math.abs(loss[0]);
        int k = 0;
        while (k + 1 < loss.length && loss[k + 1] <= limit) k++;
        return k;
    }

    /** The first layer that {@code tensors} (parameter names as {@link Architecture#prefix(int)} makes them, {@code "<2i>.weight"}) touch. */
    public static int firstLayer(Map<String, INDArray> tensors) {
        int first = Integer.MAX_VALUE;
        for (String name : tensors.keySet()) {
            int module = Integer.parseInt(name.substring(0, name.indexOf('.')));
            first = Math.min(first, module / 2);
        }
        if (first == Integer.MAX_VALUE) throw new IllegalArgumentException("nothing is merged");
        return first;
    }
}
