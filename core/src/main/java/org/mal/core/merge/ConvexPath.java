package org.mal.core.merge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A merge that is convex in λ: at λ, every tensor named in {@code end} is {@code (1 − λ)·base + λ·end}
 * and the base's other tensors are unchanged. {@code models} gives the merged model itself, as the
 * merger builds it (for a soup, {@link Soup#convex} at shares λ/K, whose tensors are these up to
 * rounding); {@link #apply} returns it.
 *
 * <p>{@link Lmc} recognises a path and evaluates it without building a model per λ: the first merged
 * layer's pre-activation is linear in λ, {@code (1 − λ)·(h·W_baseᵀ + b_base) + λ·(h·W_endᵀ + b_end)},
 * so its two products are done once per dataset instead of once per λ ({@link LinearCurves}).
 *
 * @param end the λ = 1 tensors, keyed and shaped like the base's parameters; not modified
 */
public record ConvexPath(Model base, Map<String, INDArray> end, DoubleFunction<Model> models) implements DoubleFunction<Model> {
    public ConvexPath {
        if (end.isEmpty()) throw new IllegalArgumentException("nothing is merged");
        for (String name : end.keySet()) {
            if (!base.params().containsKey(name)) throw new IllegalArgumentException("the base has no tensor " + name);
        }
        end = Map.copyOf(end);
    }

    /** {@link Merge#convex} of {@code base} with {@code aligned}. */
    public static ConvexPath of(Model base, Map<String, INDArray> aligned) {
        return new ConvexPath(base, aligned, l -> Merge.convex(base, aligned, l));
    }

    /**
     * The uniform soup {@link Soup#convex} of the base with K aligned targets at shares λ/K each
     * (λ = 0: the base itself). Its end is the mean of the targets' tensors, a target that does not
     * map a tensor counting with the base's: {@code (1 − λ)·W_base + Σ (λ/K)·W_k = (1 − λ)·W_base + λ·mean W_k}.
     */
    public static ConvexPath soup(Model base, List<Map<String, INDArray>> aligned) {
        int k = aligned.size();
        if (k == 0) throw new IllegalArgumentException("a soup needs at least one target");
        Map<String, INDArray> mean = new LinkedHashMap<>();
        for (Map<String, INDArray> a : aligned) {
            for (String name : a.keySet()) {
                if (mean.containsKey(name)) continue;
                INDArray wb = base.params().get(name);
                if (wb == null) throw new IllegalArgumentException("the base has no tensor " + name);
                INDArray sum = wb.mul(0);
                for (Map<String, INDArray> t : aligned) sum.addi(t.containsKey(name) ? t.get(name).castTo(wb.dataType()) : wb);
                mean.put(name, sum.divi(k));
            }
        }
        double[] shares = new double[k];
        return new ConvexPath(base, mean, l -> {
            if (l == 0) return base;
            java.util.Arrays.fill(shares, l / k);
            return Soup.convex(base, aligned, shares.clone());
        });
    }

    /** The merged model at {@code lambda}, as {@code models} builds it. */
    @Override
    public Model apply(double lambda) { return models.apply(lambda); }

    /** The first layer the path changes. */
    public int firstLayer() { return Lmc.firstLayer(end); }
}
