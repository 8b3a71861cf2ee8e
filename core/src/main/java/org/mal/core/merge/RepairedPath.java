package org.mal.core.merge;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A REPAIRed convex merge as a function of λ ({@link Repair#measured}, or a uniform soup's): the
 * convex {@link #path()} renormalised at each λ to the statistics {@code targets(λ)} on the rows
 * {@code x}.
 *
 * <p>Built so that the first merged layer {@code f} costs no product per λ, on the REPAIR rows and,
 * through {@link Lmc}, on the evaluation rows (issue 20): its unfolded pre-activation is linear in
 * λ, {@code z_f(λ) = z_base + λ·(z_end − z_base)} ({@link ConvexPath}), so its mean and variance are
 * measured from two products made once; and REPAIR's fold of that layer is a per-unit affine map of
 * it, {@code s ⊙ z_f(λ) + (mean* − s ⊙ m)} ({@link #step}), so an evaluation applies it to its own two
 * once-made products. Only the layers after {@code f} are run per λ, as in {@link Repair#renormalise}.
 * The models equal {@link Repair#renormalise}'s of the same merge up to rounding (the tests hold them
 * to 1e-5 relative); λ = 0 is the base itself.
 */
public final class RepairedPath implements DoubleFunction<Model> {
    /** The REPAIRed merge at one λ and the fold of its first merged layer ({@code scale}, {@code shift} null: not renormalised). */
    public record Step(Model model, double[] scale, double[] shift) {}

    private final ConvexPath path;
    private final DoubleFunction<Map<Integer, Repair.UnitStats>> targets;
    private final int first;
    /** On the REPAIR rows: the base's pre-activation of layer {@code first}, and {@code z_end − z_base}. */
    private final INDArray zBase;
    private final INDArray zDiff;
    private double lastLambda = Double.NaN;
    private Step last;

    /**
     * @param path the convex merge to REPAIR
     * @param targets REPAIR's {@code mean*} and {@code std*} at λ, by base layer (every layer at or after the path's first)
     * @param x the REPAIR rows, [rows, input size]
     * @param basePre the base's pre-activation of every layer on {@code x} ({@link Repair#preActivations}), from which
     *     REPAIR's statistics of the base are measured too: the base's layers are not run again here
     */
    RepairedPath(ConvexPath path, DoubleFunction<Map<Integer, Repair.UnitStats>> targets, INDArray x, List<INDArray> basePre) {
        this.path = path;
        this.targets = targets;
        this.first = path.firstLayer();
        Model base = path.base();
        this.zBase = basePre.get(first);
        INDArray h = first == 0 ? x : Repair.activated(base, first - 1, basePre.get(first - 1), false);
        INDArray w = path.end().getOrDefault(Architecture.weightName(first), base.weight(first));
        INDArray b = path.end().getOrDefault(Architecture.biasName(first), base.bias(first));
        INDArray wb = base.weight(first);
        INDArray hw = h.dataType() == wb.dataType() ? h : h.castTo(wb.dataType());
        this.zDiff = Nd4j.gemm(hw, w.castTo(wb.dataType()), false, true).addiRowVector(b.castTo(wb.dataType())).subi(zBase);
    }

    public ConvexPath path() { return path; }

    public Model base() { return path.base(); }

    /** The first layer the merge changes. */
    public int firstLayer() { return first; }

    /** The REPAIRed merge at {@code lambda} (λ = 0: the base itself). */
    @Override
    public Model apply(double lambda) {
        return lambda == 0 ? path.base() : step(lambda).model();
    }

    /** The REPAIRed merge at {@code lambda} > 0 and its first merged layer's fold; the last λ's is kept. */
    public synchronized Step step(double lambda) {
        if (!(lambda > 0 && lambda <= 1)) throw new IllegalArgumentException("λ must be in (0, 1], got " + lambda);
        if (lambda == lastLambda) return last;
        Map<Integer, Repair.UnitStats> want = targets.apply(lambda);
        for (int layer : want.keySet()) {
            if (layer < first) throw new IllegalStateException("REPAIR targets layer " + layer + ", before the first merged layer " + first);
        }
        INDArray z = zBase.dup();
        Nd4j.getBlasWrapper().level1().axpy(z.length(), lambda, zDiff, z);
        Repair.FromLayer r = Repair.renormaliseFrom(path.apply(lambda), want, first, z);
        last = new Step(r.model(), r.scale(), r.shift());
        lastLambda = lambda;
        return last;
    }
}
