package org.mal.core.merge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mal.core.data.Dataset;
import org.mal.core.model.Activation;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.train.Optimizer;
import org.mal.core.train.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * NP Merge: merge coefficients learned per parameter (or per output unit) instead of one λ. For every
 * tensor of the aligned target, {@code W = α ⊙ W_base + (1 − α) ⊙ W_target′} with
 * {@code α = sigmoid(a)}; the logits {@code a} start at 0 (the uniform merge, λ = 0.5) and are learned
 * by gradient descent (SameDiff, the base's architecture, softmax cross-entropy) on a small labelled
 * set, while both models' weights are graph constants and stay exactly as they were. Unlike weight
 * matching it needs data: {@link Result} says which and how much.
 */
public final class NpMerge {
    private NpMerge() {}

    /** One coefficient per parameter, or one per output unit of a layer (shared by its weight row and bias). */
    public enum Granularity { PARAMETER, UNIT }

    public record Settings(Granularity granularity, int epochs, double learningRate, int batchSize, long seed) {
        public Settings {
            Objects.requireNonNull(granularity);
            if (epochs < 0 || !(learningRate > 0) || batchSize < 1) {
                throw new IllegalArgumentException("NP Merge needs epochs >= 0, a learning rate > 0 and a batch size >= 1");
            }
        }
    }

    /**
     * The merged model, the learned coefficients α (by tensor name; per-unit α as [out] vectors), the
     * training loss of the uniform merge and of the learned one, and the data they were learned on.
     */
    public record Result(Model merged, Map<String, INDArray> alphas, double lossBefore, double lossAfter, String data, String dataHash,
                         int rows) {}

    /** The merge with the given coefficient logits (by tensor name, as {@link #learn} shapes them). */
    public static Model apply(Model base, Map<String, INDArray> aligned, Map<String, INDArray> logits, Granularity g) {
        Map<String, INDArray> params = new LinkedHashMap<>(base.params());
        for (Map.Entry<String, INDArray> e : aligned.entrySet()) {
            INDArray wb = base.params().get(e.getKey());
            if (wb == null) throw new IllegalArgumentException("the base has no tensor " + e.getKey());
            INDArray wt = e.getValue().castTo(wb.dataType());
            INDArray alpha = Transforms.sigmoid(logits.get(logitName(e.getKey(), g)), true).castTo(wb.dataType());
            if (g == Granularity.UNIT && wb.rank() == 2) alpha = alpha.reshape(wb.size(0), 1).repeat(1, wb.size(1));
            params.put(e.getKey(), wb.mul(alpha).addi(wt.mul(alpha.rsub(1.0))));
        }
        return new Model(base.architecture(), params);
    }

    /** Learns the coefficients on {@code train}; see the class comment. */
    public static Result learn(Model base, Map<String, INDArray> aligned, Dataset train, Settings s) {
        Architecture arch = base.architecture();
        if (train.featureCount() != arch.inputSize() || train.classCount() != arch.outputSize()) {
            throw new IllegalArgumentException("the base " + arch.describe() + " does not fit the data " + train);
        }
        Map<String, INDArray> start = new LinkedHashMap<>();
        for (String name : aligned.keySet()) start.putIfAbsent(logitName(name, s.granularity()), zeros(base.params().get(name), s.granularity()));
        double before = Evaluator.evaluate(apply(base, aligned, start, s.granularity()), train).loss();

        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder(Trainer.INPUT, DataType.FLOAT, -1, arch.inputSize());
        SDVariable label = sd.placeHolder(Trainer.LABEL, DataType.FLOAT, -1, arch.outputSize());
        Map<String, SDVariable> logitVars = new LinkedHashMap<>();
        start.forEach((name, z) -> logitVars.put(name, sd.var(name, z.castTo(DataType.FLOAT).dup())));
        for (int i = 0; i < arch.depth(); i++) {
            SDVariable w = tensor(sd, base, aligned, Architecture.weightName(i), logitVars, s.granularity());
            SDVariable b = tensor(sd, base, aligned, Architecture.biasName(i), logitVars, s.granularity());
            SDVariable z = sd.mmul(h, w, false, true, false).add(b);
            h = arch.layers().get(i).activation() == Activation.RELU ? sd.nn.relu(z, 0) : z;
        }
        sd.loss.softmaxCrossEntropy("loss", label, h, null);
        Trainer.fit(sd, train, Optimizer.ADAM, s.learningRate(), s.batchSize(), s.epochs(), s.seed());

        Map<String, INDArray> learned = new LinkedHashMap<>();
        logitVars.forEach((name, v) -> learned.put(name, v.getArr().dup('c')));
        Model merged = apply(base, aligned, learned, s.granularity());
        Map<String, INDArray> alphas = new LinkedHashMap<>();
        learned.forEach((name, a) -> alphas.put(name, Transforms.sigmoid(a, true)));
        return new Result(merged, alphas, before, Evaluator.evaluate(merged, train).loss(), train.name(), train.contentHash(), train.size());
    }

    /**
     * One joint parameterisation of the base and {@code K} aligned targets (each in the base's
     * shapes, all with the same tensors): {@code W = Σ_k softmax(a)_k ⊙ W_k} over the K + 1 models,
     * per parameter or per unit, starting at the uniform average. Learned like {@link #learn}.
     */
    public static Result learnJoint(Model base, List<Map<String, INDArray>> targets, Dataset train, Settings s) {
        if (targets.isEmpty()) throw new IllegalArgumentException("a joint merge needs at least one target");
        java.util.Set<String> names = targets.get(0).keySet();
        for (Map<String, INDArray> t : targets) {
            if (!t.keySet().equals(names)) throw new IllegalArgumentException("every target must bring the same tensors: " + names + " vs " + t.keySet());
        }
        Architecture arch = base.architecture();
        int models = targets.size() + 1;
        Map<String, INDArray> start = new LinkedHashMap<>();
        for (String name : names) {
            for (int k = 0; k < models; k++) start.putIfAbsent(logitName(name, s.granularity()) + "#" + k, zeros(base.params().get(name), s.granularity()));
        }
        double before = Evaluator.evaluate(applyJoint(base, targets, start, s.granularity()), train).loss();
        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder(Trainer.INPUT, DataType.FLOAT, -1, arch.inputSize());
        SDVariable label = sd.placeHolder(Trainer.LABEL, DataType.FLOAT, -1, arch.outputSize());
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        start.forEach((name, z) -> vars.put(name, sd.var(name, z.castTo(DataType.FLOAT).dup())));
        for (int i = 0; i < arch.depth(); i++) {
            SDVariable[] wb = new SDVariable[2];
            String[] tensorNames = {Architecture.weightName(i), Architecture.biasName(i)};
            for (int q = 0; q < 2; q++) {
                String name = tensorNames[q];
                INDArray own = base.params().get(name).castTo(DataType.FLOAT).dup();
                if (!names.contains(name)) {
                    wb[q] = sd.constant(name + "-base", own);
                    continue;
                }
                SDVariable sum = null;
                SDVariable mix = null;
                for (int k = 0; k < models; k++) {
                    INDArray w = k == 0 ? own : targets.get(k - 1).get(name).castTo(DataType.FLOAT).dup();
                    SDVariable e = sd.math.exp(vars.get(logitName(name, s.granularity()) + "#" + k));
                    if (s.granularity() == Granularity.UNIT && own.rank() == 2) e = e.reshape(own.size(0), 1);
                    SDVariable term = e.mul(sd.constant(name + "-m" + k, w));
                    sum = sum == null ? e : sum.add(e);
                    mix = mix == null ? term : mix.add(term);
                }
                wb[q] = mix.div(sum);
            }
            SDVariable z = sd.mmul(h, wb[0], false, true, false).add(wb[1]);
            h = arch.layers().get(i).activation() == Activation.RELU ? sd.nn.relu(z, 0) : z;
        }
        sd.loss.softmaxCrossEntropy("loss", label, h, null);
        Trainer.fit(sd, train, Optimizer.ADAM, s.learningRate(), s.batchSize(), s.epochs(), s.seed());
        Map<String, INDArray> learned = new LinkedHashMap<>();
        vars.forEach((name, v) -> learned.put(name, v.getArr().dup('c')));
        Model merged = applyJoint(base, targets, learned, s.granularity());
        return new Result(merged, learned, before, Evaluator.evaluate(merged, train).loss(), train.name(), train.contentHash(), train.size());
    }

    /** The joint merge with the given logits ({@code <logit name>#k}, k = 0 for the base). */
    public static Model applyJoint(Model base, List<Map<String, INDArray>> targets, Map<String, INDArray> logits, Granularity g) {
        Map<String, INDArray> params = new LinkedHashMap<>(base.params());
        for (String name : targets.get(0).keySet()) {
            INDArray own = base.params().get(name);
            INDArray sum = null;
            INDArray mix = null;
            for (int k = 0; k <= targets.size(); k++) {
                INDArray w = k == 0 ? own : targets.get(k - 1).get(name).castTo(own.dataType());
                INDArray e = Transforms.exp(logits.get(logitName(name, g) + "#" + k), true).castTo(own.dataType());
                if (g == Granularity.UNIT && own.rank() == 2) e = e.reshape(own.size(0), 1).repeat(1, own.size(1));
                sum = sum == null ? e.dup() : sum.addi(e);
                mix = mix == null ? w.mul(e) : mix.addi(w.mul(e));
            }
            params.put(name, mix.divi(sum));
        }
        return new Model(base.architecture(), params);
    }

    /** A tensor of the merged graph: a constant for the base's own tensors, the α-mix for aligned ones. */
    private static SDVariable tensor(SameDiff sd, Model base, Map<String, INDArray> aligned, String name, Map<String, SDVariable> logits,
                                     Granularity g) {
        INDArray wb = base.params().get(name).castTo(DataType.FLOAT).dup();
        if (!aligned.containsKey(name)) return sd.constant(name + "-base", wb);
        SDVariable b = sd.constant(name + "-base", wb);
        SDVariable t = sd.constant(name + "-target", aligned.get(name).castTo(DataType.FLOAT).dup());
        SDVariable alpha = sd.nn.sigmoid(logits.get(logitName(name, g)));
        if (g == Granularity.UNIT && wb.rank() == 2) alpha = alpha.reshape(wb.size(0), 1);
        return t.add(alpha.mul(b.sub(t)));   // α ⊙ W_base + (1 − α) ⊙ W_target
    }

    /** The logits' name: per tensor, or per layer for unit granularity (weight rows and bias share them). */
    static String logitName(String tensor, Granularity g) {
        return g == Granularity.PARAMETER ? "a:" + tensor : "a:" + tensor.substring(0, tensor.indexOf('.'));
    }

    private static INDArray zeros(INDArray like, Granularity g) {
        return g == Granularity.PARAMETER ? Nd4j.zeros(like.dataType(), like.shape()) : Nd4j.zeros(like.dataType(), like.size(0));
    }
}
