package org.mal.policies;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Architecture;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;

/**
 * A fixed, hand-built zoo: no weights, only cards. All models are 784-...-10 MLPs.
 *
 * <pre>
 * id        task     val acc  hidden        depth
 * base      mnist    0.95     64-32         3
 * m-strong  mnist    0.97     128-64        3   (wider everywhere)
 * m-weak    mnist    0.30     64-32         3   (same shape)
 * f-deep    fashion  0.88     256-128-64    4
 * f-narrow  fashion  0.85     16            2
 * f-same    fashion  0.80     64-32         3
 * </pre>
 */
final class Fixtures {
    private Fixtures() {}

    static ModelCard card(String id, String task, double valAcc, Integer... hidden) {
        return new ModelCard(id, Architecture.mlp(784, Arrays.asList(hidden), 10), "custom",
                new ModelCard.DatasetRef(task, task + "-train", "th", task + "-test", "eh"),
                null, new Metrics(0.5, valAcc, 1000), null, null, null, "hash-" + id);
    }

    static final ModelCard BASE = card("base", "mnist", 0.95, 64, 32);
    static final ModelCard WEAK_BASE = card("weak-base", "mnist", 0.35, 64, 32);
    static final ModelCard M_STRONG = card("m-strong", "mnist", 0.97, 128, 64);
    static final ModelCard M_WEAK = card("m-weak", "mnist", 0.30, 64, 32);
    static final ModelCard F_DEEP = card("f-deep", "fashion", 0.88, 256, 128, 64);
    static final ModelCard F_NARROW = card("f-narrow", "fashion", 0.85, 16);
    static final ModelCard F_SAME = card("f-same", "fashion", 0.80, 64, 32);

    static ZooIndex zoo() { return ZooIndex.of(List.of(F_SAME, M_WEAK, BASE, F_DEEP, WEAK_BASE, M_STRONG, F_NARROW)); }

    static PolicyContext ctx() { return new PolicyContext(BASE, zoo()); }

    static Policy policy(String laws) { return policy(laws, "{ name = retention }"); }

    static Policy policy(String laws, String objective) {
        return Policy.parse("policy { laws = [" + laws + "], objective = " + objective + " }");
    }

    static Move move(String target, String map) {
        return Candidates.defaults().move().of("base", target, org.mal.core.align.LayerMap.parse(map));
    }

    static Policy.Proposal find(List<Policy.Proposal> ps, String target, String map) {
        return ps.stream().filter(p -> p.move().target().equals(target) && p.move().layerMap().equals(map)).findFirst().orElse(null);
    }

    /** An LMC report with one curve point per λ of a 3-point grid; the first task is the base task. */
    static Lmc.Report report(double lambdaStar, double baseAccAt0, Map<String, Double> accAtStar) {
        double[] grid = Lmc.grid(3);
        Lmc.Curve c = new Lmc.Curve(new double[] {0.3, 0.35, 0.6}, new double[] {baseAccAt0, baseAccAt0, 0.5});
        List<Lmc.TaskCurves> tasks = accAtStar.keySet().stream().sorted((a, b) -> a.equals("mnist") ? -1 : b.equals("mnist") ? 1 : a.compareTo(b))
                .map(t -> new Lmc.TaskCurves(t, "h-" + t, c, c)).toList();
        return new Lmc.Report(grid, tasks, 0.05, 0.1, 0.2, 0.4, 0.5, 0.8, lambdaStar, accAtStar);
    }
}
