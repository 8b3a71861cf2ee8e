package org.mal.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.mal.core.Platform;
import org.mal.core.align.Alignment;
import org.mal.core.merge.Lmc;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;

/** What {@code ./mal merge} prints and writes: the λ table, the metrics, the {@code --json} document. */
final class MergeOutput {
    private MergeOutput() {}

    static String pct(double x) { return String.format(Locale.ROOT, "%.2f%%", 100 * x); }

    static String groupName(int g, Model m) {
        if (g < 0) return "input";
        return g == m.architecture().depth() - 1 ? "output" : "layer " + g;
    }

    /** The JSON of {@code --json}: snake_case keys, as documented in the README. */
    static ObjectNode toJson(Path basePath, Model a, Path targetPath, Model b, Alignment alignment, Lmc.Report r, Lmc.Report repaired) {
        ObjectNode root = ModelIO.JSON.createObjectNode();
        root.put("base", basePath.toString()).put("base_hash", a.contentHash());
        root.put("target", targetPath.toString()).put("target_hash", b.contentHash());
        root.put("map", alignment.layerMap());
        ObjectNode al = root.putObject("alignment");
        al.put("method", alignment.method());
        al.put("objective_before", alignment.objectiveBefore());
        al.put("objective_after", alignment.objectiveAfter());
        al.put("sweeps", alignment.sweeps());
        al.put("seconds", alignment.seconds());
        ObjectNode perms = al.putObject("permutations");
        for (var m : alignment.matches()) {
            var arr = perms.putArray(m.key());
            for (int t : m.targetForBase()) arr.add(t);
        }
        if (r != null) {
            ObjectNode curves = root.putObject("curves");
            var lambdas = curves.putArray("lambda");
            for (double l : r.lambdas()) lambdas.add(l);
            curves.put("dataset", r.tasks().get(0).dataset());
            curves.set("aligned", ModelIO.JSON.valueToTree(r.tasks().get(0).aligned()));
            curves.set("naive", ModelIO.JSON.valueToTree(r.tasks().get(0).naive()));
            curves.set("tasks", ModelIO.JSON.valueToTree(r.tasks()));
            ObjectNode metrics = root.putObject("metrics");
            metrics.put("barrier", r.barrier());
            metrics.put("naive_barrier", r.naiveBarrier());
            metrics.put("auc", r.auc());
            metrics.put("naive_auc", r.naiveAuc());
            metrics.put("auc_ratio", r.aucRatio());
            metrics.put("lambda_star", r.lambdaStar());
            metrics.put("tolerance", r.tolerance());
            metrics.set("accuracy_at_lambda_star", ModelIO.JSON.valueToTree(r.accuracyAtLambdaStar()));
        }
        if (repaired != null) {
            ObjectNode curves = (ObjectNode) root.get("curves");
            curves.set("repaired", ModelIO.JSON.valueToTree(repaired.tasks().get(0).aligned()));
            ObjectNode m = root.putObject("metrics_repaired");
            m.put("barrier", repaired.barrier());
            m.put("auc", repaired.auc());
            m.put("auc_ratio", repaired.aucRatio());
            m.put("lambda_star", repaired.lambdaStar());
            m.set("accuracy_at_lambda_star", ModelIO.JSON.valueToTree(repaired.accuracyAtLambdaStar()));
        }
        root.put("code_version", Platform.codeVersion());
        return root;
    }

    /** The REPAIRed curve next to the plain aligned one, and its metrics (AUC ratio against the same naive curve). */
    static void printRepaired(Lmc.Report plain, Lmc.Report r, PrintWriter o) {
        Lmc.TaskCurves base = r.tasks().get(0);
        Lmc.TaskCurves p = plain.tasks().get(0);
        Table t = new Table("λ", "loss aligned", "acc aligned", "loss aligned+REPAIR", "acc aligned+REPAIR");
        for (int k = 0; k < r.lambdas().length; k++) {
            t.row(String.format(Locale.ROOT, "%.3f", r.lambdas()[k]), String.format(Locale.ROOT, "%.4f", p.aligned().loss()[k]),
                    pct(p.aligned().accuracy()[k]), String.format(Locale.ROOT, "%.4f", base.aligned().loss()[k]),
                    pct(base.aligned().accuracy()[k]));
        }
        o.println("with REPAIR, on " + base.dataset() + ":");
        t.print(o);
        o.printf(Locale.ROOT, "with REPAIR: loss barrier %.4f; AUC %.4f, ratio %.3f; λ* = %.3f%n", r.barrier(), r.auc(), r.aucRatio(),
                r.lambdaStar());
        r.accuracyAtLambdaStar().forEach((d, acc) -> o.printf(Locale.ROOT, "  accuracy at λ* on %s with REPAIR: %.2f%%%n", d, 100 * acc));
    }

    static void print(Lmc.Report r, PrintWriter o) {
        Lmc.TaskCurves base = r.tasks().get(0);
        Table t = new Table("λ", "loss aligned", "acc aligned", "loss naive", "acc naive");
        for (int k = 0; k < r.lambdas().length; k++) {
            t.row(String.format(Locale.ROOT, "%.3f", r.lambdas()[k]),
                    String.format(Locale.ROOT, "%.4f", base.aligned().loss()[k]),
                    String.format(Locale.ROOT, "%.2f%%", 100 * base.aligned().accuracy()[k]),
                    String.format(Locale.ROOT, "%.4f", base.naive().loss()[k]),
                    String.format(Locale.ROOT, "%.2f%%", 100 * base.naive().accuracy()[k]));
        }
        o.println("on " + base.dataset() + ":");
        t.print(o);
        o.printf(Locale.ROOT, "loss barrier %.4f (naive %.4f); AUC %.4f (naive %.4f), ratio %.3f; λ* = %.3f (loss within %.0f%%)%n",
                r.barrier(), r.naiveBarrier(), r.auc(), r.naiveAuc(), r.aucRatio(), r.lambdaStar(), 100 * r.tolerance());
        r.accuracyAtLambdaStar().forEach((d, acc) -> o.printf(Locale.ROOT, "  accuracy at λ* on %s: %.2f%%%n", d, 100 * acc));
    }

    /** {@code a} against {@code b} on the same rows: rows only one gets right, each way, and McNemar's exact two-sided p. */
    static void paired(String aName, Model a, String bName, Model b, org.mal.core.data.Dataset d, PrintWriter o) {
        var r = org.mal.core.stats.McNemar.compare(org.mal.core.model.Evaluator.correct(b, d), org.mal.core.model.Evaluator.correct(a, d));
        o.printf(Locale.ROOT, "%s vs %s on the same %d rows: %d right only with %s, %d right only with %s; McNemar exact p = %.4g%n",
                aName, bName, d.size(), r.onlySecond(), aName, r.onlyFirst(), bName, r.p());
    }
}
