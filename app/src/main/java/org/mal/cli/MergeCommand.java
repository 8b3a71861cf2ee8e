// Why this file is over 400 lines: about 150 of them are the options of `./mal merge` with their help texts
// (picocli wants them as fields of one class); the work is in core (org.mal.core.method) and in MergeMany
// (several targets) and MergeOutput (what is printed and written).
package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.mal.core.Platform;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.Transplant;
import org.mal.core.align.WeightMatching;
import org.mal.core.data.DataDir;
import org.mal.core.data.Dataset;
import org.mal.core.merge.Lmc;
import org.mal.core.merge.Merge;
import org.mal.core.merge.NpMerge;
import org.mal.core.method.Aligned;
import org.mal.core.method.Aligner;
import org.mal.core.method.ConvexMerger;
import org.mal.core.method.DepthChoice;
import org.mal.core.method.Merger;
import org.mal.core.method.MethodData;
import org.mal.core.method.Methods;
import org.mal.core.method.NpMerger;
import org.mal.core.method.Pair;
import org.mal.core.method.TrainingSamples;
import org.mal.core.method.WeightAligner;
import org.mal.core.method.ZipAligner;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Align a target's layers to a base (generalized permutations: zero padding for width "
                + "mismatch, selective and cross-layer maps) and merge them by convex combination, always in the "
                + "base's architecture. With --eval, prints loss/accuracy curves over λ for the aligned and the naive "
                + "merge (padding only) and the loss barrier, AUC ratio and merging threshold λ*."})
final class MergeCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--base", description = "Base model: a .safetensors file (ours or PyTorch's) or a zoo id.")
    String baseRef;

    @Option(names = "--target", description = "Target model: a .safetensors file or a zoo id.")
    String targetRef;

    @Option(names = "--recipe", description = "Compute an exported assembly again from its recipe (written by ./mal export) and "
            + "the zoo it names (or --zoo), checking every step's weights; writes it to --out. Instead of --base/--target.")
    Path recipe;

    @Option(names = "--zoo", defaultValue = "zoos/default", description = "Zoo folder for ids (default: ${DEFAULT-VALUE}).")
    Path zooDir;

    @Option(names = "--map", description = "Layer map base:target, e.g. 0:0,1:2 (layers count from 0). Default: every "
            + "hidden layer to the target's hidden layer of the same index where both exist, and output to output.")
    String map;

    @Option(names = "--depth", description = "cka: derive the layer map from the linear CKA of hidden layers on --align-rows "
            + "rows of the base task's training data (each layer of the shallower model to its most similar layer of the "
            + "deeper one, order preserved; output layers paired). Instead of --map.")
    String depth;

    @Option(names = "--aligner", defaultValue = "weight", description = "weight (weight matching), activation "
            + "(correlation of activations on --align-rows rows of the base task's training set), zip (elastic neuron "
            + "zipping on those rows: target units averaged into the base's units, same depth only) or naive "
            + "(padding/cropping only) (default: ${DEFAULT-VALUE}).")
    String aligner;

    @Option(names = "--zip-decay", description = "zip: similarity factor of a zipped group (ZipIt's a; default 0.5).")
    Double zipDecay;

    @Option(names = "--zip-budget", description = "zip: target units that may be zipped among themselves, "
            + "as a fraction of the target's width (ZipIt's b; default 0.5).")
    Double zipBudget;

    @Option(names = "--align-rows", description = "Rows of training data for --aligner activation and zip and for --depth cka "
            + "(stratified sample; default " + DepthChoice.DEFAULT_ROWS + ").")
    Integer alignRows;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the weight-matching sweep order and of the "
            + "data sample of --aligner activation and --depth cka (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-sweeps", description = "Upper bound on weight-matching sweeps (default 100).")
    Integer maxSweeps;

    @Option(names = "--eval", split = ",", description = "Datasets whose test sets evaluate the merge over the λ grid "
            + "(mnist, fashion-mnist); the first is the base's task. Without it no curves are computed.")
    List<String> eval;

    @Option(names = "--grid", defaultValue = "25", description = "Points of the λ grid in [0, 1] (default: ${DEFAULT-VALUE}).")
    int grid;

    @Option(names = "--tolerance", defaultValue = "0.05", description = "λ* keeps the base-task loss within this "
            + "fraction of its value at λ = 0 (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Option(names = "--merger", defaultValue = "convex", description = "convex (one λ for every tensor) or np (NP Merge: a "
            + "coefficient per parameter or per unit, learned on --np-rows rows of the first --eval task's training set; both "
            + "models stay frozen) (default: ${DEFAULT-VALUE}).")
    String merger;

    @Option(names = "--repair", description = "REPAIR the convex merge: reset each merged hidden unit's pre-activation mean and "
            + "standard deviation to the interpolation of the two models' (measured on --repair-rows rows of the base task's training "
            + "set) and fold it into the weights; with --eval, the curves of the aligned merge with and without REPAIR.")
    boolean repair;

    @Option(names = "--repair-method", description = "--repair: measured (each merged layer measured in the merged network, "
            + "the default) or closed-form (predicted from the two models' statistics and their covariance: cheaper, exact only for "
            + "the first merged layer).")
    String repairMethod;

    @Option(names = "--repair-rows", description = "--repair: training rows the statistics are measured on (stratified, --seed; "
            + "default 2000).")
    Integer repairRows;

    @Option(names = "--np-rows", description = "np: labelled training rows α is learned on (stratified, --seed). The test sets "
            + "are never used.")
    Integer npRows;

    @Option(names = "--np-epochs", description = "np: passes over those rows.")
    Integer npEpochs;

    @Option(names = "--np-lr", description = "np: Adam learning rate of the logits a.")
    Double npLr;

    @Option(names = "--np-tasks", description = "np: learn on rows of the first --eval task (base) or also of the second "
            + "(all: the multitask setting).")
    String npTasks;

    @Option(names = "--np-granularity", description = "np: unit (one α per output unit) or parameter. The np defaults, the same "
            + "in a search: " + NpMerger.DEFAULTS + ".")
    String npGranularity;

    @Option(names = "--lambda", description = "Write the merge at this λ to --out.")
    Double lambda;

    @Option(names = "--out", description = "Output model (.safetensors) for --lambda.")
    Path out;

    @Option(names = "--json", description = "Write the alignment and the evaluation as JSON here.")
    Path json;

    @picocli.CommandLine.Mixin
    DataOption data;

    @Option(names = "--force", description = "Overwrite --out and --json if they exist.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = command.commandLine().getOut();
        if (recipe != null) return replay(o);
        if (baseRef == null || targetRef == null) throw new UsageError("give --base and --target (or --recipe)");
        requireOptionsOfTheChosenMethods();
        Merger mergerMethod = cli(() -> Methods.merger(merger, mergerSettings(), "--merger", SETTINGS));
        if (!mergerMethod.takesLambda()) {
            if (lambda != null) throw new UsageError("--merger " + merger + " learns its coefficients; leave out --lambda");
            if (eval == null || eval.isEmpty()) throw new UsageError("--merger " + merger + " needs data: give --eval BASE_TASK[,...]");
        } else if (!targetRef.contains(",") && (lambda == null) != (out == null)) {
            throw new UsageError("--lambda and --out go together");
        }
        if (lambda != null && !(lambda >= 0 && lambda <= 1)) throw new UsageError("--lambda must be in [0, 1], got " + lambda);
        if (grid < 2) throw new UsageError("--grid needs at least 2 points, got " + grid);
        if (!(tolerance >= 0)) throw new UsageError("--tolerance must be >= 0, got " + tolerance);
        if (map != null && depth != null) throw new UsageError("give --map or --depth, not both");
        if (map != null) {
            try {
                LayerMap.parse(map);
            } catch (IllegalArgumentException e) {
                throw new UsageError("--map " + map + ": " + e.getMessage());
            }
        }
        // Checked before any work is done, so that a bad name does not fail after the alignment was printed.
        for (String t : eval != null ? eval : List.<String>of()) {
            if (!DataDir.KNOWN.contains(t)) throw new UsageError("--eval: unknown dataset '" + t + "'; known: " + String.join(", ", DataDir.KNOWN));
        }
        for (Path p : new Path[] {out, json}) {
            Path parent = p == null ? null : p.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) throw new IllegalArgumentException("the folder of " + p + " does not exist");
        }
        for (Path p : new Path[] {out, json}) {
            if (p != null && Files.exists(p) && !force) throw new IllegalArgumentException(p + " exists; pass --force to overwrite it");
        }
        if (mergerMethod instanceof NpMerger np && targetRef.contains(",")) return MergeMany.np(this, np, o);
        if (mergerMethod instanceof ConvexMerger && targetRef.contains(",")) return MergeMany.soup(this, o);
        Path basePath = resolve(baseRef);
        Path targetPath = resolve(targetRef);
        ModelIO.Loaded base = ModelIO.load(basePath);
        ModelIO.Loaded target = ModelIO.load(targetPath);
        Model a = base.model();
        Model b = target.model();
        List<String> tasks = eval != null ? eval : List.of();
        DataDir dataDir = data.dir();
        Aligner alignerMethod = cli(() -> Methods.aligner(aligner, alignerSettings(), "--aligner", SETTINGS));
        MethodData methodData = new TrainingSamples(dataDir::load, seed);
        Pair pair = new Pair(a, b, baseTask(base, tasks), tasks.size() > 1 ? tasks.get(1) : task(target));
        LayerMap requested = map != null ? LayerMap.parse(map) : LayerMap.common(a.architecture().depth(), b.architecture().depth());
        long t0 = System.nanoTime();
        LayerMap layerMap = alignerMethod.layerMap(pair, requested, methodData);
        Aligned alignedBy = alignerMethod.align(pair, layerMap, methodData);
        double alignSecs = (System.nanoTime() - t0) / 1e9;
        Alignment alignment = alignedBy.alignment();
        o.printf(Locale.ROOT, "base %s (%s) <- target %s (%s), map %s%n", basePath, a.architecture().describe(), targetPath,
                b.architecture().describe(), layerMap);
        if (alignment.matches().isEmpty() && !layerMap.pairs().isEmpty()) {
            o.printf(Locale.ROOT, "aligner %s%s: %.3f s%n", alignerMethod.describe(alignedBy), alignerMethod instanceof ZipAligner z
                    ? String.format(Locale.ROOT, " (decay %s, budget %s, %d rows)", z.decay(), z.budget(), z.rows()) : "", alignSecs);
        } else {
            o.printf(Locale.ROOT, "aligner %s: objective %.6g -> %.6g in %d sweeps, %.3f s%n", alignerMethod.describe(alignedBy),
                    alignment.objectiveBefore(), alignment.objectiveAfter(), alignment.sweeps(), alignSecs);
        }
        Table groups = new Table("base units <- target units", "base", "target", "moved", "padded", "dropped");
        for (var m : alignment.matches()) {
            int[] t = m.targetForBase();
            int targetSize = Transplant.groupSize(b.architecture(), m.targetGroup());
            long moved = java.util.stream.IntStream.range(0, t.length).filter(p -> t[p] >= 0 && t[p] != p).count();
            long padded = java.util.Arrays.stream(t).filter(x -> x < 0).count();
            groups.row(MergeOutput.groupName(m.baseGroup(), a) + " <- " + MergeOutput.groupName(m.targetGroup(), b), String.valueOf(t.length),
                    String.valueOf(targetSize), String.valueOf(moved), String.valueOf(padded),
                    String.valueOf(targetSize - (t.length - padded)));
        }
        groups.print(o);
        Map<String, INDArray> aligned = alignedBy.tensors();
        Map<String, INDArray> naive = Transplant.alignedTensors(a, b, WeightMatching.naive(a, b, layerMap));

        Lmc.Report report = null;
        Lmc.Report repaired = null;
        if (!tasks.isEmpty()) {
            List<Dataset> sets = new ArrayList<>();
            for (String t : tasks) sets.add(dataDir.load(t).test());
            report = Lmc.evaluate(a, aligned, naive, sets, Lmc.grid(grid), tolerance, Evaluator.DEFAULT_BATCH);
            MergeOutput.print(report, o);
            if (repair) {
                repaired = Lmc.evaluate(a, mergerMethod.curve(pair, alignedBy, methodData), Lmc.firstLayer(aligned), naive, sets,
                        Lmc.grid(grid), tolerance, Evaluator.DEFAULT_BATCH);
                MergeOutput.printRepaired(report, repaired, o);
            }
            if (mergerMethod instanceof NpMerger np) npMerge(np, pair, base, aligned, report, sets, methodData, o);
        }

        if (lambda != null) {
            Model merged = mergerMethod.merge(pair, alignedBy, lambda, methodData);
            save(out, merged, "merged", base.card().orElse(null), List.of(a.contentHash(), b.contentHash()),
                    new ModelCard.MergeRecipe(a.contentHash(), b.contentHash(), layerMap.toString(), alignment.method(),
                            settingsOf(alignerMethod), lambda));
            o.printf(Locale.ROOT, "wrote the merge at λ = %s to %s (weights %s)%n", lambda, out, merged.contentHash().substring(0, 12));
            for (String e : tasks) {   // the merge against each parent of the same task, on the same test rows
                Dataset d = dataDir.load(e).test();
                var mm = Evaluator.evaluate(merged, d);
                o.printf(Locale.ROOT, "the merge on %s (%d rows): accuracy %.4f%%, loss %.6f%n", d.name(), d.size(), 100 * mm.accuracy(), mm.loss());
                MergeOutput.paired("the merge", merged, "the base", a, d, o);
                if (b.architecture().inputSize() == d.featureCount() && b.architecture().outputSize() == d.classCount()
                        && e.equals(task(target))) {
                    MergeOutput.paired("the merge", merged, "the target", b, d, o);
                }
            }
        }
        if (json != null) {
            Files.writeString(json, ModelIO.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    MergeOutput.toJson(basePath, a, targetPath, b, alignment, report, repaired)));
            o.println("wrote " + json);
        }
        return 0;
    }

    /**
     * {@code --merger np}: learns α on training rows of the first --eval task, then compares on the test
     * sets with the convex merge at λ = 0.5 and at the grid λ with the best mean test accuracy (an oracle
     * choice that favours the convex merge).
     */
    private void npMerge(NpMerger np, Pair pair, ModelIO.Loaded base, Map<String, INDArray> aligned, Lmc.Report report, List<Dataset> tests,
                         MethodData methodData, PrintWriter o) throws Exception {
        Model a = pair.base();
        Model b = pair.target();
        long t0 = System.nanoTime();
        var r = NpMerge.learn(a, aligned, npSample(np, methodData), np.settings(seed));
        double secs = (System.nanoTime() - t0) / 1e9;
        long coefficients = r.alphas().values().stream().mapToLong(INDArray::length).sum();
        o.printf(Locale.ROOT, "NP Merge (%s, %d coefficients): learned on %d rows of %s (hash %s), %d epochs, lr %s, %.1f s; "
                        + "training loss %.4f (uniform) -> %.4f%n", np.granularity().name().toLowerCase(Locale.ROOT), coefficients, r.rows(),
                r.data(), r.dataHash().substring(0, 12), np.epochs(), np.lr(), secs, r.lossBefore(), r.lossAfter());
        int best = 0;
        double bestMean = -1;
        for (int k = 0; k < report.lambdas().length; k++) {
            double mean = 0;
            for (Lmc.TaskCurves t : report.tasks()) mean += t.aligned().accuracy()[k];
            mean /= report.tasks().size();
            if (mean > bestMean) {
                bestMean = mean;
                best = k;
            }
        }
        Model half = Merge.convex(a, aligned, 0.5);
        Model atBest = Merge.convex(a, aligned, report.lambdas()[best]);
        Table t = new Table("test set", "NP Merge loss", "NP Merge acc", "convex λ=0.5 acc", String.format(Locale.ROOT, "convex best λ=%.3f acc",
                report.lambdas()[best]), "base acc", "target acc");
        for (Dataset d : tests) {
            var learned = Evaluator.evaluate(r.merged(), d);
            t.row(d.name(), String.format(Locale.ROOT, "%.4f", learned.loss()), MergeOutput.pct(learned.accuracy()), MergeOutput.pct(Evaluator.evaluate(half, d).accuracy()),
                    MergeOutput.pct(Evaluator.evaluate(atBest, d).accuracy()), MergeOutput.pct(Evaluator.evaluate(a, d).accuracy()),
                    d.featureCount() == b.architecture().inputSize() && d.classCount() == b.architecture().outputSize()
                            ? MergeOutput.pct(Evaluator.evaluate(b, d).accuracy()) : "-");
        }
        t.print(o);
        if (out != null) {
            save(out, r.merged(), "merged", base.card().orElse(null), List.of(a.contentHash(), b.contentHash()), null);
            o.println("wrote the NP merge to " + out);
        }
    }

    /**
     * Writes a model this command made, with a card named after the file: the family, the task of
     * {@code like} (the base's card, or null), its parents' weights hashes and how it was merged.
     */
    static void save(Path file, Model m, String family, ModelCard like, List<String> parents, ModelCard.MergeRecipe recipe)
            throws java.io.IOException {
        String name = file.getFileName().toString();
        String id = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        ModelIO.save(file, m, new ModelCard(id, m.architecture(), family, like != null ? like.dataset() : null, null, null, null, null,
                new ModelCard.Provenance(parents, Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                m.contentHash(), recipe));
    }


    /** {@code --recipe}: the assembly computed again, step by step, each step's weights checked. */
    private int replay(PrintWriter o) throws Exception {
        if (out == null) throw new UsageError("--recipe needs --out");
        if (baseRef != null || targetRef != null || lambda != null || map != null || depth != null) {
            throw new UsageError("--recipe says how to merge; leave out --base, --target, --map, --depth and --lambda");
        }
        if (Files.exists(out) && !force) throw new IllegalArgumentException(out + " exists; pass --force to overwrite it");
        org.mal.engine.Recipe r = org.mal.engine.Recipe.read(recipe);
        boolean zooGiven = command.commandLine().getParseResult().hasMatchedOption("--zoo");
        if (r.convolutional()) {
            org.mal.core.cnn.CnnModel cnn = r.replayCnn(zooGiven ? zooDir : null, data.dir()::load);
            ModelIO.saveCnn(out, cnn, r.card());   // the exported card with the recomputed tensors: the exported file, byte for byte
            o.printf(Locale.ROOT, "reproduced %s (a CNN) in %d steps from %s: weights %s, as the recipe says; wrote %s with the exported card%n",
                    r.assembly(), r.steps().size(), r.origin(), Model.hashParams(cnn.params()), out);
            return 0;
        }
        Model m = r.replay(zooGiven ? zooDir : null, data.dir()::load);
        if (r.card() != null) {
            ModelIO.save(out, m, r.card());   // the exported card with the recomputed tensors: the exported file, byte for byte
        } else {
            ModelCard card = ModelIO.readCard(new org.mal.core.zoo.Zoo(zooGiven ? zooDir : Path.of(r.zoo())).fileOf(r.origin())).orElse(null);
            save(out, m, "assembly", card, List.of(r.originHash()), null);
        }
        o.printf(Locale.ROOT, "reproduced %s in %d steps from %s: weights %s, as the recipe says; wrote %s%s%n", r.assembly(), r.steps().size(),
                r.origin(), m.contentHash(), out, r.card() != null ? " with the exported card"
                        : " (the recipe holds no card, being older: the tensors are the export's, the card is new)");
        return 0;
    }

    /** The base's task: the first --eval dataset, else the one its card names (null if neither). */
    private static String baseTask(ModelIO.Loaded base, List<String> tasks) { return !tasks.isEmpty() ? tasks.get(0) : task(base); }

    static String task(ModelIO.Loaded m) {
        return m.card().filter(c -> c.dataset() != null).map(c -> c.dataset().task()).orElse(null);
    }

    /** The aligner's settings from the options given (an option left out takes the aligner's own default). */
    Map<String, Object> alignerSettings() {
        Map<String, Object> s = new TreeMap<>();
        if (maxSweeps != null) s.put("max-sweeps", maxSweeps);
        if (alignRows != null) s.put("rows", alignRows);
        if (zipDecay != null) s.put("decay", zipDecay);
        if (zipBudget != null) s.put("budget", zipBudget);
        if (depth != null) s.put(DepthChoice.KEY, depth);
        return s;
    }

    /** The merger's settings from the options given (np's; convex has none). */
    private Map<String, Object> mergerSettings() {
        Map<String, Object> s = new TreeMap<>();
        if (repair) s.put("repair", true);
        if (repairRows != null) s.put("repair-rows", repairRows);
        if (repairMethod != null) s.put("repair-method", repairMethod);
        if (npRows != null) s.put("rows", npRows);
        if (npEpochs != null) s.put("epochs", npEpochs);
        if (npLr != null) s.put("lr", npLr);
        if (npTasks != null) s.put("tasks", npTasks);
        if (npGranularity != null) s.put("granularity", npGranularity);
        return s;
    }

    /** How a merge was made, for its card: the aligner's resolved settings and the seed. */
    private Map<String, String> settingsOf(Aligner al) {
        Map<String, String> out = new TreeMap<>();
        // the aligner's resolved settings (its record's components), kebab-case, and the seed
        Map<String, Object> resolved = KEBAB.convertValue(al, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        resolved.forEach((k, v) -> { if (v != null) out.put(k, String.valueOf(v)); });
        out.put("seed", String.valueOf(seed));
        return out;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper KEBAB = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .propertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.KEBAB_CASE).build();

    /** The rows NP Merge learns on: --np-rows of the first --eval task's training set, or of every --eval task (--np-tasks all). */
    Dataset npSample(NpMerger np, MethodData d) {
        Dataset joined = null;
        for (String task : np.allTasks() ? eval : eval.subList(0, 1)) {
            Dataset part = d.training(task, np.rows());
            joined = joined == null ? part : Dataset.concat(joined.name() + "+" + part.name(), joined, part);
        }
        return joined;
    }

    /** Where the methods' settings are said to come from in messages; {@link #cli} names the options instead. */
    static final String SETTINGS = "merge";

    /** Which option sets which method setting, for messages. */
    private static final Map<String, String> OPTION_OF = Map.ofEntries(Map.entry("max-sweeps", "--max-sweeps"),
            Map.entry("decay", "--zip-decay"), Map.entry("budget", "--zip-budget"), Map.entry("depth", "--depth"),
            Map.entry("epochs", "--np-epochs"), Map.entry("lr", "--np-lr"), Map.entry("tasks", "--np-tasks"),
            Map.entry("granularity", "--np-granularity"), Map.entry("repair-rows", "--repair-rows"), Map.entry("repair", "--repair"),
            Map.entry("repair-method", "--repair-method"));

    /** A method made from the options; a bad setting is reported by the option that set it. */
    <T> T cli(java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (com.typesafe.config.ConfigException e) {
            String m = e.getMessage().replace("command line: ", "");
            for (var x : OPTION_OF.entrySet()) m = m.replace(SETTINGS + "." + x.getKey() + ":", x.getValue() + ":");
            m = m.replace(SETTINGS + ".rows:", "--align-rows / --np-rows:");
            throw new UsageError(m, e);
        }
    }

    /** An option of a built-in method other than the one chosen has no effect: said, instead of ignored. */
    private void requireOptionsOfTheChosenMethods() {
        List<String> np = new ArrayList<>();
        if (npRows != null) np.add("--np-rows");
        if (npEpochs != null) np.add("--np-epochs");
        if (npLr != null) np.add("--np-lr");
        if (npTasks != null) np.add("--np-tasks");
        if (npGranularity != null) np.add("--np-granularity");
        if (!np.isEmpty() && !merger.equals(NpMerger.NAME)) {
            throw new UsageError(String.join(", ", np) + " set NP Merge; they apply to --merger np, not " + merger);
        }
        if ((repair || repairRows != null || repairMethod != null) && !merger.equals(ConvexMerger.NAME)) {
            throw new UsageError("--repair and --repair-rows apply to --merger convex, not " + merger);
        }
        if ((repairRows != null || repairMethod != null) && !repair) {
            throw new UsageError("--repair-rows and --repair-method go with --repair");
        }
        if (maxSweeps != null && Methods.alignerNames().contains(aligner) && !aligner.equals(WeightAligner.NAME)) {
            throw new UsageError("--max-sweeps applies to --aligner weight, not " + aligner);
        }
        if ((zipDecay != null || zipBudget != null) && Methods.alignerNames().contains(aligner) && !aligner.equals(ZipAligner.NAME)) {
            throw new UsageError("--zip-decay and --zip-budget apply to --aligner zip, not " + aligner);
        }
    }

    /** The target's tensors of {@code pair} aligned by {@code al} on the map of --map (or the common one). */
    Map<String, INDArray> alignTo(Aligner al, Pair pair, MethodData d) {
        LayerMap requested = map != null ? LayerMap.parse(map)
                : LayerMap.common(pair.base().architecture().depth(), pair.target().architecture().depth());
        return al.align(pair, al.layerMap(pair, requested, d), d).tensors();
    }

    /** A model given as a file, or as an id of the zoo in {@code --zoo}. */
    Path resolve(String ref) {
        Path file = Path.of(ref);
        if (Files.isRegularFile(file)) return file;
        Path inZoo = new org.mal.core.zoo.Zoo(zooDir).fileOf(ref);
        if (Files.isRegularFile(inZoo)) return inZoo;
        throw new IllegalArgumentException("no model '" + ref + "': neither a file nor an id in the zoo " + zooDir
                + " (see ./mal zoo list --zoo " + zooDir + ")");
    }
}
