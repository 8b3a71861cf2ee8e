package org.mal.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.mal.core.merge.Lmc;
import org.mal.core.zoo.Zoo;
import org.mal.engine.Outcome;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.policies.Move;
import org.mal.policies.Objective;
import org.mal.policies.Policy;
import org.mal.policies.PolicyContext;
import org.mal.policies.ZooIndex;
import org.mal.policies.laws.Experience;

/**
 * The report of one search run, from its journal alone: the objective over the steps, the λ
 * curves (aligned and naive) of the accepted moves, a heat map of the AUC ratio (aligned / naive)
 * of each target at each step, and an {@code index.html} showing them with the lineage.
 *
 * <p>A long search is summarised: the curves of the {@link Options#top} best accepted moves (and of
 * the last, the base the search ended on) rather than of every one, the spread of all accepted
 * moves' curves and their λ* and AUC ratio in one chart each, and a heat map with at most
 * {@link #HEATMAP_COLUMNS} columns (steps averaged in equal runs). The tables list every step.
 * {@link Options#all} draws everything, as reports did before (one open-ended search of 10 minutes
 * gave 1,170 charts).
 */
public final class SearchReport {
    private SearchReport() {}

    /** What was written. */
    public record Written(Path index, List<Path> images) {}

    /**
     * What to draw: the curves of the {@code top} accepted moves with the best scores (and of the
     * last), or, with {@code all}, of every accepted move and every step in the heat map.
     */
    public record Options(int top, boolean all) {
        public static final Options SUMMARY = new Options(10, false);
        public static final Options ALL = new Options(0, true);

        public Options {
            if (top < 0) throw new IllegalArgumentException("top must be >= 0, got " + top);
        }
    }

    /** Most columns of the AUC-ratio heat map of a summary; more steps are averaged in equal runs. */
    public static final int HEATMAP_COLUMNS = 40;

    /** A summary ({@link Options#SUMMARY}). */
    public static Written write(List<SearchEvent> run, Path searchDir, Path out) throws IOException {
        return write(run, searchDir, out, Options.SUMMARY);
    }

    public static Written write(List<SearchEvent> run, Path searchDir, Path out, Options options) throws IOException {
        Files.createDirectories(out);
        SearchState s = SearchState.fold(run);
        SearchSettings settings = SearchSettings.ofRun(s.settings()).withOrigin(s.origin());
        Objective objective = settings.policy().objective();
        // every result of the run, by step
        Map<Integer, Map<Move, Outcome>> byStep = new TreeMap<>();
        for (SearchEvent e : run) {
            if (e instanceof SearchEvent.MoveEvaluated m) byStep.computeIfAbsent(m.step(), k -> new LinkedHashMap<>()).put(m.move(), m.outcome());
        }
        List<Path> images = new ArrayList<>();

        // the objective over the steps
        int n = byStep.size();
        double[] steps = new double[n];
        double[] best = new double[n];
        double[] bestLambda = new double[n];
        int i = 0;
        for (var st : byStep.entrySet()) {
            steps[i] = st.getKey();
            best[i] = Double.NaN;
            bestLambda[i] = Double.NaN;
            for (var m : st.getValue().entrySet()) {
                double score = objective.score(m.getValue().evaluated(m.getKey()));
                if (Double.isFinite(score) && !(score <= best[i])) best[i] = score;
                if (!(m.getValue().lambda() <= bestLambda[i])) bestLambda[i] = m.getValue().lambda();
            }
            i++;
        }
        double[] acceptedStep = s.lineage().stream().mapToDouble(SearchEvent.StepClosed::step).toArray();
        double[] acceptedScore = s.lineage().stream().mapToDouble(SearchEvent.StepClosed::score).toArray();
        List<Plots.Line> lines = new ArrayList<>(List.of(Plots.Line.of("best " + objective.name() + " score of the step", steps, best),
                Plots.Line.of("largest λ of the step", steps, bestLambda)));
        if (acceptedStep.length > 0) lines.add(new Plots.Line("accepted move", acceptedStep, acceptedScore, true));
        if (n > 0) {
            Path p = out.resolve("objective.png");
            Plots.png(Plots.lines("Objective over the search's steps (run " + s.run() + ")", "step", objective.name() + " score", lines), p);
            images.add(p);
        }

        // the curves of the accepted moves: every one, or the best and the last
        Set<Integer> drawn = drawn(s.lineage(), options);
        List<String[]> lineageRows = new ArrayList<>();
        for (SearchEvent.StepClosed c : s.lineage()) {
            Outcome o = byStep.get(c.step()).get(c.accepted());
            Move m = c.accepted();
            Lmc.Report r = o.report();
            Lmc.TaskCurves base = r.tasks().get(0);
            if (!drawn.contains(c.step())) {
                lineageRows.add(new String[] {String.valueOf(c.step()), m.targetNames(), m.layerMap(), String.format(Locale.ROOT, "%.3f", o.lambda()),
                        String.format(Locale.ROOT, "%.4f", c.score()), String.format(Locale.ROOT, "%.3f", r.aucRatio()), c.assembly().id(),
                        null, null});
                continue;
            }
            List<Plots.Line> loss = List.of(Plots.Line.of("aligned", r.lambdas(), base.aligned().loss()),
                    Plots.Line.of("naive (padding only)", r.lambdas(), base.naive().loss()));
            Path lp = out.resolve("step-" + c.step() + "-loss.png");
            Plots.png(Plots.lines(String.format(Locale.ROOT, "Step %d: %s (map %s), loss on %s", c.step(), m.targetNames(), m.layerMap(),
                    task(base.dataset())), "λ (weight of the target)", "loss", loss), lp);
            List<Plots.Line> acc = new ArrayList<>();
            for (Lmc.TaskCurves t : r.tasks()) {
                acc.add(Plots.Line.of("aligned, " + task(t.dataset()), r.lambdas(), t.aligned().accuracy()));
                acc.add(Plots.Line.of("naive, " + task(t.dataset()), r.lambdas(), t.naive().accuracy()));
            }
            Path ap = out.resolve("step-" + c.step() + "-accuracy.png");
            Plots.png(Plots.lines(String.format(Locale.ROOT, "Step %d: accuracy (λ* = %.3f)", c.step(), o.lambda()), "λ (weight of the target)",
                    "accuracy", acc), ap);
            images.add(lp);
            images.add(ap);
            lineageRows.add(new String[] {String.valueOf(c.step()), m.targetNames(), m.layerMap(), String.format(Locale.ROOT, "%.3f", o.lambda()),
                    String.format(Locale.ROOT, "%.4f", c.score()), String.format(Locale.ROOT, "%.3f", r.aucRatio()), c.assembly().id(),
                    lp.getFileName().toString(), ap.getFileName().toString()});
        }

        deleteStaleCurves(out, images);
        if (!options.all() && s.lineage().size() > drawn.size()) images.addAll(spread(s.lineage(), byStep, out));

        // AUC ratio of each target at each step
        TreeSet<String> targets = new TreeSet<>();
        for (var st : byStep.values()) for (Move m : st.keySet()) targets.add(m.targetNames());
        if (!targets.isEmpty()) {
            List<String> rows = new ArrayList<>(targets);
            List<Integer> stepNumbers = new ArrayList<>(byStep.keySet());
            int[] firstOfColumn = columns(stepNumbers.size(), options.all() ? Integer.MAX_VALUE : HEATMAP_COLUMNS);
            List<String> cols = new ArrayList<>();
            double[][] v = new double[rows.size()][firstOfColumn.length];
            for (int k = 0; k < firstOfColumn.length; k++) {
                int from = firstOfColumn[k];
                int to = k + 1 < firstOfColumn.length ? firstOfColumn[k + 1] : stepNumbers.size();   // exclusive
                cols.add(to - from == 1 ? "step " + stepNumbers.get(from) : stepNumbers.get(from) + "–" + stepNumbers.get(to - 1));
                for (int r = 0; r < rows.size(); r++) {
                    double sum = 0;
                    int cnt = 0;
                    for (int i2 = from; i2 < to; i2++) {
                        for (var m : byStep.get(stepNumbers.get(i2)).entrySet()) {
                            if (!m.getKey().targetNames().equals(rows.get(r))) continue;
                            double ratio = m.getValue().report().aucRatio();
                            if (Double.isFinite(ratio)) {
                                sum += ratio;
                                cnt++;
                            }
                        }
                    }
                    v[r][k] = cnt == 0 ? Double.NaN : sum / cnt;
                }
            }
            Path hp = out.resolve("auc-ratio-by-target.png");
            Plots.png(Plots.heatmap("Loss-curve AUC, aligned / naive (< 1: alignment helps)", "step", "target",
                    cols, rows, v, "0.00", 1.0), hp);
            images.add(hp);
        }

        Path index = out.resolve("index.html");
        String learned = learned(s, settings);
        String note = drawn.size() < s.lineage().size() || (!options.all() && byStep.size() > HEATMAP_COLUMNS)
                ? "<p>A summary: the curves of " + drawn.size() + " of the " + s.lineage().size() + " accepted moves (the "
                        + options.top() + " best scores and the last), the spread of all of them, and the heat map's steps averaged in runs"
                        + " of consecutive steps. <code>./mal report " + esc(searchDir.toString()) + " --all</code> draws every step.</p>\n"
                : "";
        Files.writeString(index, html(s, searchDir, byStep, steps, best, bestLambda, lineageRows, images, objective)
                .replace(LEARNED_MARK, learned).replace(CHARTS_MARK, note));
        return new Written(index, images);
    }

    private static final String LEARNED_MARK = "<!--learned-->";
    private static final String CHARTS_MARK = "<!--charts-->";

    /** The steps whose accepted move's curves are drawn: every one with {@code all}, else the {@code top} best scores and the last. */
    static Set<Integer> drawn(List<SearchEvent.StepClosed> lineage, Options options) {
        Set<Integer> out = new java.util.TreeSet<>();
        if (options.all()) {
            for (SearchEvent.StepClosed c : lineage) out.add(c.step());
            return out;
        }
        List<SearchEvent.StepClosed> best = new ArrayList<>(lineage);
        // best score first; of equal scores the earlier step (a stable order for equal reports)
        best.sort(java.util.Comparator.comparingDouble((SearchEvent.StepClosed c) -> -c.score()).thenComparingInt(SearchEvent.StepClosed::step));
        for (SearchEvent.StepClosed c : best.subList(0, Math.min(options.top(), best.size()))) out.add(c.step());
        if (!lineage.isEmpty()) out.add(lineage.get(lineage.size() - 1).step());
        return out;
    }

    /**
     * The first index of each column when {@code n} steps are shown in at most {@code max} columns:
     * equal runs of consecutive steps (the first runs one longer when {@code n} does not divide).
     */
    static int[] columns(int n, int max) {
        int k = Math.min(n, max);
        int[] first = new int[k];
        for (int c = 0; c < k; c++) first[c] = (int) ((long) c * n / k);
        return first;
    }

    /** Deletes the curve charts a former report left in {@code out} that this one did not draw (a summary after an {@code --all}). */
    private static void deleteStaleCurves(Path out, List<Path> written) throws IOException {
        Set<Path> keep = new java.util.HashSet<>(written);
        try (var files = Files.list(out)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().matches("step-\\d+-(loss|accuracy)\\.png") && !keep.contains(f)) Files.deleteIfExists(f);
            }
        }
    }

    /**
     * Two charts of every accepted move at once, for a summary: the spread of their base-task loss
     * curves over λ (aligned: least, median and largest loss at each λ), and their λ* and AUC ratio
     * over the steps.
     */
    private static List<Path> spread(List<SearchEvent.StepClosed> lineage, Map<Integer, Map<Move, Outcome>> byStep, Path out) throws IOException {
        List<Path> images = new ArrayList<>();
        double[] lambdas = null;
        List<double[]> losses = new ArrayList<>();
        double[] steps = new double[lineage.size()];
        double[] lambdaStar = new double[lineage.size()];
        double[] auc = new double[lineage.size()];
        for (int i = 0; i < lineage.size(); i++) {
            SearchEvent.StepClosed c = lineage.get(i);
            Outcome o = byStep.get(c.step()).get(c.accepted());
            Lmc.Report r = o.report();
            steps[i] = c.step();
            lambdaStar[i] = o.lambda();
            auc[i] = r.aucRatio();
            if (lambdas == null) lambdas = r.lambdas();
            if (java.util.Arrays.equals(lambdas, r.lambdas())) losses.add(r.tasks().get(0).aligned().loss());
        }
        if (lambdas != null && !losses.isEmpty()) {
            double[] low = new double[lambdas.length];
            double[] mid = new double[lambdas.length];
            double[] high = new double[lambdas.length];
            double[] column = new double[losses.size()];
            for (int j = 0; j < lambdas.length; j++) {
                for (int i = 0; i < losses.size(); i++) column[i] = losses.get(i)[j];
                double[] sorted = column.clone();
                java.util.Arrays.sort(sorted);
                low[j] = sorted[0];
                high[j] = sorted[sorted.length - 1];
                mid[j] = sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            }
            Path p = out.resolve("accepted-loss-spread.png");
            Plots.png(Plots.lines("Base-task loss of all " + losses.size() + " accepted moves (aligned)", "λ (weight of the target)", "loss",
                    List.of(Plots.Line.of("least", lambdas, low), Plots.Line.of("median", lambdas, mid), Plots.Line.of("largest", lambdas, high))), p);
            images.add(p);
        }
        Path p = out.resolve("accepted-moves.png");
        Plots.png(Plots.lines("Accepted moves: λ* and AUC ratio (aligned / naive) by step", "step", "value",
                List.of(new Plots.Line("λ*", steps, lambdaStar, true), new Plots.Line("AUC ratio", steps, auc, true))), p);
        images.add(p);
        return images;
    }

    /**
     * What each learning law of the run's policy learned from the run's history, as HTML: the ten
     * highest and ten lowest values (for the ridge model, what a feature value adds to the predicted
     * reward) with how many evaluations are behind each. Needs the zoo's cards (the features read
     * them); without the zoo, says so.
     */
    static String learned(SearchState s, SearchSettings settings) {
        Policy policy = settings.policy();
        List<Experience> laws = policy.laws().stream().map(Policy.WeightedLaw::law)
                .filter(l -> l instanceof Experience).map(l -> (Experience) l).toList();
        if (laws.isEmpty()) return "";
        StringBuilder h = new StringBuilder("<h2>What the learning law learned</h2>\n");
        ZooIndex zoo;
        try {
            zoo = ZooIndex.forBase(new Zoo(settings.zoo()), s.origin());
        } catch (IOException | RuntimeException e) {
            return h.append("<p>Not shown: the zoo's cards cannot be read (").append(esc(String.valueOf(e.getMessage())))
                    .append(").</p>\n").toString();
        }
        for (Experience law : laws) {
            var l = law.learned(new PolicyContext(s.base(), zoo, s.history()));
            h.append("<p>Model <code>").append(esc(l.model())).append("</code>, from ").append(s.history().size())
                    .append(" evaluations of closed steps. ").append(l.model().equals("ridge")
                            ? "Each value is what a feature adds to the predicted reward (λ*, or mean accuracy), net of the others."
                            : "Each value is a class of moves' mean reward (arm) or a feature's shrunk deviation from the mean (additive).")
                    .append("</p>\n");
            if (l.values().isEmpty()) {
                h.append("<p>Nothing yet.</p>\n");
                continue;
            }
            List<Map.Entry<String, Double>> sorted = new ArrayList<>(l.values().entrySet());
            sorted.removeIf(e -> e.getKey().equals("(intercept)"));
            sorted.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            List<Map.Entry<String, Double>> shown = new ArrayList<>(sorted.subList(0, Math.min(10, sorted.size())));
            for (int k = Math.max(10, sorted.size() - 10); k < sorted.size(); k++) shown.add(sorted.get(k));
            h.append("<table><tr><th>feature</th><th>value</th><th>evaluations</th></tr>\n");
            if (l.values().containsKey("(intercept)")) {
                h.append(String.format(Locale.ROOT, "<tr><td>(intercept)</td><td>%.4f</td><td>%d</td></tr>%n", l.values().get("(intercept)"),
                        l.counts().getOrDefault("(intercept)", 0)));
            }
            for (var e : shown) {
                h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%+.4f</td><td>%d</td></tr>%n", esc(e.getKey()), e.getValue(),
                        l.counts().getOrDefault(e.getKey(), 0)));
            }
            h.append("</table>\n");
            if (sorted.size() > 20) h.append("<p>(").append(sorted.size() - 20).append(" more in between.)</p>\n");
        }
        return h.toString();
    }

    private static String html(SearchState s, Path searchDir, Map<Integer, Map<Move, Outcome>> byStep, double[] steps, double[] best,
                               double[] bestLambda, List<String[]> lineage, List<Path> images, Objective objective) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>MAL search ").append(esc(searchDir.toString()))
                .append("</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
                        + "th{background:#f3f3f3}img{max-width:100%;border:1px solid #eee;margin:.5em 0}</style></head><body>\n");
        h.append("<h1>MAL search: ").append(esc(s.origin().id())).append("</h1>\n<p>Folder <code>").append(esc(searchDir.toString()))
                .append("</code>, run ").append(s.run()).append(". ");
        h.append(s.stopped() != null ? "Stopped: " + esc(s.stopped()) : s.paused() != null ? "Paused: " + esc(s.paused()) : "Running or interrupted")
                .append(". Steps: ").append(s.step()).append(", moves evaluated: ").append(s.evaluations()).append(", from the cache: ")
                .append(s.cacheHits()).append(", failures: ").append(s.failures()).append(". Objective: ").append(esc(objective.name()))
                .append(". The base is now <code>").append(esc(s.base().id())).append("</code>.</p>\n");
        h.append("<h2>Lineage (accepted moves)</h2>\n");
        if (lineage.isEmpty()) {
            h.append("<p>No move was accepted.</p>\n");
        } else {
            h.append("<table><tr><th>step</th><th>target</th><th>layer map (base:target)</th><th>λ</th><th>score</th>"
                    + "<th>AUC ratio</th><th>assembly</th><th>curves</th></tr>\n");
            for (String[] r : lineage) {
                h.append("<tr>");
                for (int k = 0; k < 7; k++) h.append("<td>").append(esc(r[k])).append("</td>");
                if (r[7] == null) h.append("<td>(not drawn: <code>--all</code>)</td></tr>\n");
                else h.append("<td><a href=\"").append(r[7]).append("\">loss</a>, <a href=\"").append(r[8]).append("\">accuracy</a></td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Steps</h2>\n<table><tr><th>step</th><th>moves with a result</th><th>best score</th><th>largest λ</th></tr>\n");
        for (int i = 0; i < steps.length; i++) {
            h.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%d</td><td>%.4f</td><td>%.3f</td></tr>%n", (int) steps[i],
                    byStep.get((int) steps[i]).size(), best[i], bestLambda[i]));
        }
        h.append("</table>\n").append(LEARNED_MARK).append("\n<h2>Charts</h2>\n").append(CHARTS_MARK);
        for (Path p : images) h.append("<p><img src=\"").append(esc(p.getFileName().toString())).append("\" alt=\"")
                .append(esc(p.getFileName().toString())).append("\"></p>\n");
        h.append("<p>Made by ").append(esc(org.mal.core.Platform.codeVersion())).append(".</p>\n</body></html>\n");
        return h.toString();
    }

    /** The task of an evaluation dataset's name ({@code mnist-select1000} -> {@code mnist}). */
    static String task(String dataset) {
        int k = dataset.lastIndexOf("-select");
        return k > 0 ? dataset.substring(0, k) : dataset;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
