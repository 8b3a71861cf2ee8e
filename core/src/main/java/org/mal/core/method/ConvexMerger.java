package org.mal.core.method;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.merge.ConvexPath;
import org.mal.core.merge.Repair;
import org.mal.core.merge.Soup;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code W(λ) = (1 − λ)·W_base + λ·W_aligned} on the mapped layers, λ from the move's λ rule. With
 * {@code repair = true} (default false), REPAIRed ({@link Repair}): the merged hidden units' pre-activation
 * statistics are reset to the interpolation of the two models', measured on {@code repair-rows}
 * (default 2000) stratified rows of the base task's training data; {@code repair-method}: {@code measured}
 * (the default: each merged layer measured in the merged network, {@link Repair#renormalise}) or
 * {@code closed-form} (predicted from the two models' statistics and covariance, {@link Repair#closedForm}).
 * REPAIR sees the target through the aligner's unit matches, or for the {@code zip} aligner through its
 * groups (each zipped group's merged pre-activation is the target unit; {@link Repair.View}).
 */
public record ConvexMerger(boolean repair, int repairRows, boolean closedForm) implements Merger {
    public static final String NAME = "convex";
    public static final String DEFAULTS = "repair = false, repair-rows = 2000, repair-method = measured";

    public ConvexMerger(boolean repair, int repairRows) { this(repair, repairRows, false); }

    public static ConvexMerger from(Settings s) {
        s = s.withDefaults(DEFAULTS).only("repair", "repair-rows", "repair-method");
        int rows = s.getInt("repair-rows");
        if (rows < 1) throw s.invalid("repair-rows", "must be >= 1, got " + rows);
        String m = s.getString("repair-method");
        if (!m.equals("measured") && !m.equals("closed-form")) throw s.invalid("repair-method", "must be measured or closed-form, got " + m);
        return new ConvexMerger(s.getBoolean("repair"), rows, m.equals("closed-form"));
    }

    @Override public String name() { return NAME; }

    @Override public boolean takesLambda() { return true; }

    @Override
    public DoubleFunction<Model> curve(Pair pair, Aligned aligned, MethodData data) {
        Map<String, INDArray> tensors = aligned.tensors();
        if (!repair) return ConvexPath.of(pair.base(), tensors);
        Dataset rows = data.training(pair.requireBaseTask("REPAIR"), repairRows);
        INDArray x = rows.features(0, rows.size());
        Repair.View target = aligned.repairView(pair.target(), x);
        if (closedForm) {
            Repair.ClosedForm cf = Repair.ClosedForm.of(pair.base(), target, x);
            return lambda -> cf.at(tensors, lambda);
        }
        return Repair.measured(pair.base(), target, tensors, x);
    }

    /** The uniform soup {@link Soup#convex} at shares λ/K; REPAIRed (measured) with the K-model targets of {@link Repair#targets}. */
    @Override
    public DoubleFunction<Model> soupCurve(List<Pair> pairs, List<Aligned> aligned, MethodData data) {
        if (pairs.isEmpty() || pairs.size() != aligned.size()) throw new IllegalArgumentException("a soup needs one alignment per target");
        Model base = pairs.get(0).base();
        List<Map<String, INDArray>> tensors = aligned.stream().map(Aligned::tensors).toList();
        int k = pairs.size();
        if (!repair) return ConvexPath.soup(base, tensors);
        if (closedForm) throw new IllegalArgumentException("repair-method closed-form merges one target; a soup is REPAIRed by measured");
        Dataset rows = data.training(pairs.get(0).requireBaseTask("REPAIR"), repairRows);
        INDArray x = rows.features(0, rows.size());
        List<Repair.View> views = new ArrayList<>();
        for (int t = 0; t < k; t++) views.add(aligned.get(t).repairView(pairs.get(t).target(), x));
        return Soup.repairedUniform(base, views, tensors, x);
    }

    public static final class Factory implements MergerFactory {
        @Override public String name() { return NAME; }
        @Override public Merger create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
