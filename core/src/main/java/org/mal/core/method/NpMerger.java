package org.mal.core.method;

import java.util.Map;
import java.util.function.DoubleFunction;
import org.mal.core.config.Settings;
import org.mal.core.data.Dataset;
import org.mal.core.merge.NpMerge;
import org.mal.core.model.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * NP Merge ({@link NpMerge}): a coefficient per output unit ({@code granularity = unit}, the
 * default) or per parameter, {@code W = α ⊙ W_base + (1 − α) ⊙ W_aligned}, α learned by Adam on
 * {@code rows} (default 2000) stratified rows of the base task's training data ({@code tasks = all}:
 * as many rows of the target's task too), {@code epochs} (default 5) passes, learning rate
 * {@code lr} (default 0.05), batches of 64. λ is ignored but for λ = 0, the base.
 *
 * <p>The defaults are here and only here: the command line and the search both read them.
 */
public record NpMerger(int rows, int epochs, double lr, NpMerge.Granularity granularity, boolean allTasks) implements Merger {
    public static final String NAME = "np";
    /** For help texts. */
    public static final String DEFAULTS = "rows = 2000, epochs = 5, lr = 0.05, granularity = unit, tasks = base";
    static final int BATCH = 64;

    public static NpMerger from(Settings s) {
        s = s.withDefaults(DEFAULTS).only("rows", "epochs", "lr", "granularity", "tasks");
        int rows = s.getInt("rows");
        if (rows < 1) throw s.invalid("rows", "must be >= 1, got " + rows);
        int epochs = s.getInt("epochs");
        if (epochs < 0) throw s.invalid("epochs", "must be >= 0, got " + epochs);
        double lr = s.getDouble("lr");
        if (!(lr > 0)) throw s.invalid("lr", "must be > 0, got " + lr);
        String g = s.getString("granularity");
        if (!g.equals("unit") && !g.equals("parameter")) throw s.invalid("granularity", "must be unit or parameter, got " + g);
        String tasks = s.getString("tasks");
        if (!tasks.equals("base") && !tasks.equals("all")) throw s.invalid("tasks", "must be base or all, got " + tasks);
        return new NpMerger(rows, epochs, lr, g.equals("unit") ? NpMerge.Granularity.UNIT : NpMerge.Granularity.PARAMETER,
                tasks.equals("all"));
    }

    @Override public String name() { return NAME; }

    @Override public boolean takesLambda() { return false; }

    /** The optimiser's settings with {@code seed}. */
    public NpMerge.Settings settings(long seed) { return new NpMerge.Settings(granularity, epochs, lr, BATCH, seed); }

    /** The rows α is learned on: the base task's, and the target's too with {@code tasks = all} (a different task). */
    public Dataset rows(Pair pair, MethodData data) {
        Dataset d = data.training(pair.requireBaseTask("merger np"), rows);
        if (allTasks && pair.targetTask() != null && !pair.targetTask().equals(pair.baseTask())) {
            d = Dataset.concat(d.name() + "+" + pair.targetTask(), d, data.training(pair.targetTask(), rows));
        }
        return d;
    }

    /** The learning itself, with what it learned (deterministic for the data's seed). */
    public NpMerge.Result learn(Pair pair, Map<String, INDArray> aligned, MethodData data) {
        return NpMerge.learn(pair.base(), aligned, rows(pair, data), settings(data.seed()));
    }

    @Override
    public DoubleFunction<Model> curve(Pair pair, Aligned aligned, MethodData data) {
        return lambda -> lambda == 0 ? pair.base() : learn(pair, aligned.tensors(), data).merged();
    }

    public static final class Factory implements MergerFactory {
        @Override public String name() { return NAME; }
        @Override public Merger create(com.typesafe.config.Config settings, String path) { return from(Settings.of(settings, path)); }
    }
}
