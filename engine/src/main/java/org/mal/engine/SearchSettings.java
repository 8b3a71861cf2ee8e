package org.mal.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.List;
import org.mal.core.config.Settings;
import org.mal.core.model.ModelCard;
import org.mal.policies.Policy;
import org.mal.policies.laws.MergingThreshold;

/**
 * What a search is: its zoo, its base, how moves are evaluated, its budget, and its policy (the
 * {@code policy} block beside the {@code search} block, see {@code conf/laws.conf}). Read from HOCON
 * ({@code conf/search-default.conf} documents every key); unknown keys fail with their path.
 *
 * <p>The resolved configuration is rendered into the journal when a search starts
 * ({@link #render()}), so a resumed search runs with exactly the settings it started with, even if
 * the file has changed or gone.
 */
public record SearchSettings(
        Path zoo,
        String base,
        long seed,
        int workers,
        int movesPerStep,
        Evaluation evaluation,
        Budget budget,
        int retries,
        double zooPollSeconds,
        double drainSeconds,
        Cluster cluster,
        Assemblies assemblies,
        Config root) {

    /**
     * How each move is evaluated.
     *
     * @param grid points of the λ grid in [0, 1]
     * @param rows rows of each task used to select moves (stratified, seeded), from where {@code selection} says
     * @param tolerance the assembly's loss on the base task may never exceed (1 + tolerance) × the
     *     original base's loss: λ* of every move is measured against the original base, so merges do
     *     not compound their losses step after step
     * @param targetTasks also evaluate on the target's task when it differs from the base's (needed by
     *     the {@code multitask} objective)
     * @param selection {@code validation} (the default since issue 18): moves are chosen on rows of the
     *     task's <em>training</em> set, for the origin's task only rows the origin was not fitted on (its
     *     validation split, {@code holdout}); the test set is only read to report, whole. {@code test}
     *     (runs before issue 18): on {@code rows} rows of the test set, the rest of it held out to report
     * @param holdout the origin's validation split, filled in from its card when the search starts
     *     ({@link SearchSettings#withOrigin}); null where unknown (then the whole training set is the pool)
     * @param sampleSeed the seed of the training sample the origin's zoo drew for every model of a
     *     task ({@code zoo.training.rows}, drawn with {@code zoo.training.seed}), which the cards of such
     *     zoos do not record: the origin's validation rows are drawn again from that sample, and a wrong
     *     seed is an error (the card's fit-set hash does not match); null when not set (absent from the
     *     JSON then, so earlier runs encode as before)
     */
    public record Evaluation(int grid, int rows, double tolerance, boolean targetTasks, String selection, Holdout holdout,
                             @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) Long sampleSeed) {
        public static final String VALIDATION = "validation";
        public static final String TEST = "test";

        public Evaluation {
            if (!VALIDATION.equals(selection) && !TEST.equals(selection)) {
                throw new IllegalArgumentException("search.evaluation.selection must be validation or test, got " + selection);
            }
        }

        /** Selection on test rows, as before issue 18 (tests of the evaluation machinery). */
        public Evaluation(int grid, int rows, double tolerance, boolean targetTasks) { this(grid, rows, tolerance, targetTasks, TEST, null, null); }

        public Evaluation(int grid, int rows, double tolerance, boolean targetTasks, String selection, Holdout holdout) {
            this(grid, rows, tolerance, targetTasks, selection, holdout, null);
        }

        /** The largest base-task loss an assembly may have: {@code (1 + tolerance)} × the origin's loss (its magnitude, for a negative loss). */
        public double lossLimit(double originLoss) { return originLoss + tolerance * Math.abs(originLoss); }

        public Evaluation withHoldout(Holdout h) { return new Evaluation(grid, rows, tolerance, targetTasks, selection, h, sampleSeed); }
    }

    /**
     * Where the selection rows of the origin's task come from: the origin's card. When it names a
     * zoo holdout (rows no model of its zoo trained or validated on), those rows; otherwise its own
     * validation rows ({@code CardRows.validation}: the rows of its pool it was not fitted on); each
     * drawn again from the card and checked against its hashes.
     */
    public record Holdout(String task, ModelCard origin) {}

    /**
     * When the search stops; 0 means no limit. {@code patience}: stop after this many steps in a row
     * accept no move. {@code openEnded}: when every candidate has been evaluated, wait for new zoo
     * models instead of stopping.
     */
    public record Budget(int steps, int evaluations, double seconds, int patience, boolean openEnded) {}

    /**
     * Workers on other machines (Pekko Cluster). When enabled, the search's actor system is a
     * cluster node at {@code host:port} that worker nodes join ({@code ./mal worker --join
     * host:port}); {@code localWorkers}: also run {@link #workerCount()} workers in this JVM.
     * {@code stableAfterSeconds}: how long a node must stay unreachable before the split-brain
     * resolver (keep-oldest: the coordinator's node, the first, survives) downs it and its moves
     * go to other workers. {@code files}: how worker nodes get the models' weights: {@link #TRANSFER}
     * (the default since issue 22: fetched from the search's node over the cluster by their SHA-256,
     * verified and cached in each node's own folder; no shared folder needed) or {@link #SHARED}
     * (read from the zoo folder and the search's {@code assemblies/} folder at the same paths on
     * every machine, an NFS mount: what every cluster search did before).
     */
    public record Cluster(boolean enabled, String host, int port, boolean localWorkers, double stableAfterSeconds, String files) {
        public static final String TRANSFER = "transfer";
        public static final String SHARED = "shared";

        public Cluster(boolean enabled, String host, int port, boolean localWorkers, double stableAfterSeconds) {
            this(enabled, host, port, localWorkers, stableAfterSeconds, TRANSFER);
        }

        /** Whether worker nodes read the shared folder (rather than fetching blobs). */
        public boolean sharedFolder() { return SHARED.equals(files); }
    }

    /**
     * Which accepted assemblies keep their weights in the store (the one copy of an assembly's
     * weights, see {@link Workbench}). {@code keepLineage}: every assembly of every run's lineage is
     * kept, so {@code export --assembly} works for any step. Otherwise only the last
     * {@code keepLast} (at least 1: the base the search goes on from) of each run's lineage; an
     * older one is rebuilt from the zoo by its recipe ({@code merge --recipe}), which its journal
     * entry keeps. Either way, weights no lineage names (an assembly stored just before a kill,
     * whose step was then closed again) are deleted when a run starts or resumes.
     */
    public record Assemblies(boolean keepLineage, int keepLast) {}

    static final String DEFAULTS = "mal.search";

    /** @param missingSelection the selection of a configuration that does not say (a new search: validation; a journaled run: test) */
    static SearchSettings from(Config root, String missingSelection) {
        root = root.resolve();
        // a run journaled before issue 18 has no selection key: it chose on test rows, and goes on doing so
        if (!root.hasPath("search.evaluation.selection")) {
            root = root.withValue("search.evaluation.selection", ConfigValueFactory.fromAnyRef(missingSelection));
        }
        Settings s = Settings.of(root.hasPath("search") ? root.getConfig("search") : ConfigFactory.empty(), "search")
                .withReference(DEFAULTS)
                .only("zoo", "base", "seed", "workers", "moves-per-step", "evaluation", "budget", "retries",
                        "zoo-poll-seconds", "drain-seconds", "cluster", "assemblies", "model-cache-mb");
        for (String key : root.root().keySet()) {
            if (!List.of("search", "policy").contains(key)) {
                throw new com.typesafe.config.ConfigException.BadPath(root.root().get(key).origin(), key,
                        "unknown top-level block; a search configuration has `search` and `policy`");
            }
        }
        if (!s.hasPath("base")) {
            throw new com.typesafe.config.ConfigException.Missing(s.config().origin(), s.path("base"));
        }
        int workers = s.getInt("workers");
        if (workers < 0) throw s.invalid("workers", "must be >= 0 (0: one per core), got " + workers);
        int perStep = s.getInt("moves-per-step");
        if (perStep < 1) throw s.invalid("moves-per-step", "must be >= 1, got " + perStep);

        Settings e = s.sub("evaluation").only("grid", "rows", "tolerance", "target-tasks", "selection", "sample-seed");
        String selection = e.getString("selection");
        if (!selection.equals(Evaluation.VALIDATION) && !selection.equals(Evaluation.TEST)) {
            throw e.invalid("selection", "must be validation (rows held out from training) or test, got " + selection);
        }
        int grid = e.getInt("grid");
        if (grid < 2) throw e.invalid("grid", "needs at least 2 points, got " + grid);
        int rows = e.getInt("rows");
        if (rows < 1) throw e.invalid("rows", "must be >= 1, got " + rows);
        double tol = e.getDouble("tolerance");
        if (!(tol >= 0)) throw e.invalid("tolerance", "must be >= 0 (a relative loss increase), got " + tol);

        Settings b = s.sub("budget").only("steps", "evaluations", "seconds", "patience", "open-ended");
        Budget budget = new Budget(b.getInt("steps"), b.getInt("evaluations"), b.getDouble("seconds"), b.getInt("patience"),
                b.getBoolean("open-ended"));
        if (budget.steps() < 0 || budget.evaluations() < 0 || !(budget.seconds() >= 0) || budget.patience() < 0) {
            throw s.invalid("budget", "limits must be >= 0 (0: none), got " + budget);
        }
        int retries = s.getInt("retries");
        if (retries < 0) throw s.invalid("retries", "must be >= 0, got " + retries);
        double poll = s.getDouble("zoo-poll-seconds");
        if (!(poll > 0)) throw s.invalid("zoo-poll-seconds", "must be > 0, got " + poll);
        int cacheMb = s.getInt("model-cache-mb");
        if (cacheMb < 1) throw s.invalid("model-cache-mb", "must be >= 1 (megabytes of weights per model cache), got " + cacheMb);
        double drain = s.getDouble("drain-seconds");
        if (!(drain >= 0)) throw s.invalid("drain-seconds", "must be >= 0, got " + drain);
        Settings c = s.sub("cluster").only("enabled", "host", "port", "local-workers", "stable-after-seconds", "files");
        String files = c.getString("files");
        if (!Cluster.TRANSFER.equals(files) && !Cluster.SHARED.equals(files)) {
            throw c.invalid("files", "must be " + Cluster.TRANSFER + " (worker nodes fetch models over the cluster) or " + Cluster.SHARED
                    + " (they read a shared folder), got " + files);
        }
        int port = c.getInt("port");
        if (port < 0 || port > 65535) throw c.invalid("port", "must be a TCP port (0: any free one), got " + port);
        double stable = c.getDouble("stable-after-seconds");
        if (!(stable > 0)) throw c.invalid("stable-after-seconds", "must be > 0, got " + stable);
        Cluster cluster = new Cluster(c.getBoolean("enabled"), c.getString("host"), port, c.getBoolean("local-workers"), stable, files);
        Settings rt = s.sub("assemblies").only("keep-lineage", "keep-last");
        int keepLast = rt.getInt("keep-last");
        if (keepLast < 1) throw rt.invalid("keep-last", "must be >= 1 (the base the search goes on from is always kept), got " + keepLast);
        Assemblies assemblies = new Assemblies(rt.getBoolean("keep-lineage"), keepLast);
        // the policy a run journals (render) is the one it runs: laws left out are the documented default, written out
        if (!root.hasPath("policy.laws")) root = root.withValue("policy.laws", Policy.defaultLaws());
        Policy.load(root);
        return new SearchSettings(Path.of(s.getString("zoo")), s.getString("base"), s.config().getLong("seed"), workers, perStep,
                new Evaluation(grid, rows, tol, e.getBoolean("target-tasks"), selection, null,
                        e.hasPath("sample-seed") ? Long.valueOf(e.config().getLong("sample-seed")) : null), budget,
                retries, poll, drain, cluster, assemblies, root);
    }

    /**
     * The bytes of weights each of a workbench's model caches may hold ({@code search.model-cache-mb},
     * checked when the settings are read; a run journaled before it existed gets the default).
     */
    public long modelCacheBytes() {
        return (root.hasPath("search.model-cache-mb") ? root.getLong("search.model-cache-mb") : Workbench.CACHE_BYTES >> 20) << 20;
    }

    /** Reads {@code root}'s {@code search} block (and checks its {@code policy} block); selection on validation rows unless it says otherwise. */
    public static SearchSettings from(Config root) { return from(root, Evaluation.VALIDATION); }

    public static SearchSettings parse(String hocon) { return from(ConfigFactory.parseString(hocon)); }

    /**
     * These settings with the origin's held-out rows as the selection pool of its task ({@link Holdout});
     * a card that does not say how it was trained (an imported model in a zoo without a holdout) leaves the pool the
     * whole training set.
     */
    public SearchSettings withOrigin(ModelCard origin) {
        Holdout h = null;
        // a zoo holdout is drawn again from the task's training set alone; own validation rows also need the fit set's hash
        boolean ownRows = origin.recipe() != null && origin.recipe().validationFraction() != null && origin.dataset() != null
                && origin.dataset().trainHash() != null;
        if ((origin.holdout() != null || ownRows) && origin.dataset() != null && origin.dataset().task() != null) {
            h = new Holdout(origin.dataset().task(), origin);
        }
        return new SearchSettings(zoo, base, seed, workers, movesPerStep, evaluation.withHoldout(h), budget, retries, zooPollSeconds,
                drainSeconds, cluster, assemblies, root);
    }

    /**
     * A configuration file, every {@code include} in it required: HOCON skips a missing include
     * silently, and a search that silently lost its policy would run another search.
     *
     * @throws IllegalArgumentException naming the file and the include that is not there
     */
    public static Config readFile(Path file) {
        Path abs = file.toAbsolutePath();   // includes are looked up next to the file only when its path is absolute
        if (!java.nio.file.Files.isRegularFile(abs)) throw new IllegalArgumentException("no configuration file " + file);
        try {
            return ConfigFactory.parseFile(abs.toFile(), ConfigParseOptions.defaults().setIncluder(new RequiredIncludes(null)));
        } catch (ConfigException.IO e) {
            String what = e.origin() != null ? e.origin().description() : e.getMessage();
            throw new IllegalArgumentException(file + ": the included file '" + what + "' is not there (looked next to "
                    + abs.getFileName() + " and on the class path); copy it there or remove the include");
        }
    }

    /** Makes every include fail when what it names is missing, as {@code include required(...)} does. */
    private record RequiredIncludes(ConfigIncluder fallback) implements ConfigIncluder {
        @Override
        public ConfigIncluder withFallback(ConfigIncluder f) { return fallback == null ? new RequiredIncludes(f) : this; }

        @Override
        public ConfigObject include(ConfigIncludeContext context, String what) {
            return fallback.include(context.setParseOptions(context.parseOptions().setAllowMissing(false)), what);
        }
    }

    /**
     * The settings a run journaled ({@link SearchEvent.Started#settings()}), read back. Runs started
     * before the merging-threshold law lost its {@code tolerance} and {@code grid} (they never had an
     * effect: {@code search.evaluation}'s did, and do) journaled them; they are dropped here, and only
     * here, so that such runs still resume and report. In a configuration they are an error.
     */
    public static SearchSettings ofRun(String rendered) {
        Config root = ConfigFactory.parseString(rendered);
        // runs started before the documented policy became the default ran with no laws when their configuration named none
        if (!root.hasPath("policy.laws")) root = root.withValue("policy.laws", ConfigValueFactory.fromIterable(List.of()));
        if (root.hasPath("policy.laws")) {
            List<Object> laws = new java.util.ArrayList<>();
            boolean changed = false;
            for (com.typesafe.config.ConfigObject law : root.getObjectList("policy.laws")) {
                Object name = law.unwrapped().get("name");
                if (MergingThreshold.NAME.equals(name) && (law.containsKey("tolerance") || law.containsKey("grid"))) {
                    law = law.withoutKey("tolerance").withoutKey("grid");
                    changed = true;
                }
                laws.add(law.unwrapped());
            }
            if (changed) root = root.withValue("policy.laws", ConfigValueFactory.fromIterable(laws));
        }
        return from(root, Evaluation.TEST);
    }

    /** The policy this search runs with. */
    public Policy policy() { return Policy.load(root); }

    /** Workers to start: {@link #workers()}, or one per core when it is 0. */
    public int workerCount() { return workers > 0 ? workers : Runtime.getRuntime().availableProcessors(); }

    /** The resolved configuration as HOCON/JSON text, comments dropped; {@link #parse} reads it back. */
    public String render() {
        return root.root().render(ConfigRenderOptions.concise().setFormatted(true));
    }
}
