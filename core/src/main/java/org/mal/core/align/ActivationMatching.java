package org.mal.core.align;

import java.util.ArrayList;
import java.util.List;
import org.mal.core.data.Dataset;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Activation matching: each pair of unit groups the layer map touches is matched by one linear
 * assignment that maximises the summed Pearson correlation between base and target activations on
 * the same data (Git Re-Basin §3.1 uses the cross-moment; correlation, as in ZipIt! and REPAIR,
 * is insensitive to each unit's scale). Needs data, unlike weight matching; the result records
 * which data ({@code method = "activation:<dataset name>:<rows>"}).
 *
 * <p>The activations of group {@code -1} are the input features, of group {@code k} the outputs of
 * layer {@code k} after its ReLU (logits for the last layer). A unit that never varies on the data
 * (a dead unit) correlates 0 with everything. Fixed groups (the network's inputs or outputs on
 * both sides, same size) are matched by the identity, as in {@link WeightMatching}. The objective
 * reported before/after is the weight-matching objective, so both aligners can be compared.
 */
public final class ActivationMatching {
    private static final double EPS = 1e-12;

    private ActivationMatching() {}

    public static Alignment align(Model base, Model target, LayerMap map, Dataset data) {
        long started = System.nanoTime();
        Alignment start = WeightMatching.naive(base, target, map);
        Architecture archA = base.architecture();
        Architecture archB = target.architecture();
        if (data.featureCount() != archA.inputSize() || data.featureCount() != archB.inputSize()) {
            throw new IllegalArgumentException("activation matching runs both models on " + data.name() + " (" + data.featureCount()
                    + " features); the base takes " + archA.inputSize() + " and the target " + archB.inputSize());
        }
        if (data.size() == 0) throw new IllegalArgumentException("activation matching needs at least one row of data; " + data.name() + " is empty");
        INDArray x = data.features(0, data.size());
        List<INDArray> actsA = activations(base, x);
        List<INDArray> actsB = activations(target, x);
        List<UnitMatch> matches = new ArrayList<>();
        for (UnitMatch m : start.matches()) {
            if (WeightMatching.isFixed(m, archA, archB)) {
                matches.add(m);
                continue;
            }
            int rows = Transplant.groupSize(archA, m.baseGroup());
            int cols = Transplant.groupSize(archB, m.targetGroup());
            double[] corr = correlation(actsA.get(m.baseGroup() + 1), actsB.get(m.targetGroup() + 1));
            LinearAssignment.Result r = LinearAssignment.solve(corr, rows, cols, LinearAssignment.Goal.MAXIMIZE);
            matches.add(new UnitMatch(m.baseGroup(), m.targetGroup(), r.colForRow()));
        }
        String method = "activation:" + data.name() + ":" + data.size();
        return new Alignment(method, map.toString(), matches, start.objectiveBefore(),
                WeightMatching.objective(base, target, map, matches), 1, (System.nanoTime() - started) / 1e9);
    }

    /** Activations of every group: index 0 is the input, index k + 1 the outputs of layer k. */
    private static List<INDArray> activations(Model m, INDArray x) {
        List<INDArray> out = new ArrayList<>();
        INDArray h = x.castTo(DataType.DOUBLE);
        out.add(h);
        for (int i = 0; i < m.architecture().depth(); i++) {
            h = m.layerOutput(i, h.castTo(m.weight(i).dataType())).castTo(DataType.DOUBLE);
            out.add(h);
        }
        return out;
    }

    /** Pearson correlation of every column of {@code a} with every column of {@code b}, row-major [cols a, cols b]. */
    static double[] correlation(INDArray a, INDArray b) {
        INDArray ca = a.subRowVector(a.mean(0));
        INDArray cb = b.subRowVector(b.mean(0));
        INDArray sa = ca.norm2(0).addi(EPS);
        INDArray sb = cb.norm2(0).addi(EPS);
        INDArray cov = ca.transpose().mmul(cb);                 // [cols a, cols b], sums over n rows
        cov.diviColumnVector(sa.reshape(sa.length(), 1));
        cov.diviRowVector(sb.reshape(1, sb.length()));
        return cov.dup('c').data().asDouble();
    }
}
