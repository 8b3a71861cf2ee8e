package org.mal.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.mal.core.data.Dataset;
import org.mal.core.data.Splits;
import org.mal.core.data.TaskData;
import org.mal.core.zoo.CardRows;
import org.mal.core.zoo.ZooHoldout;
import org.mal.core.io.SafetensorsFormatException;
import org.mal.core.merge.Lmc;
import org.mal.core.method.MethodData;
import org.mal.core.method.TrainingSamples;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.store.MalStore;

/**
 * What evaluating a move needs, shared by the workers of one JVM: the models (zoo entries by id,
 * assemblies by content hash), the evaluation data, and the evaluation settings. Models and data
 * are loaded once and kept; a zoo file that changes on disk is read again.
 */
public final class Workbench implements MethodData {
    private final Zoo zoo;
    private final Path assemblies;
    private final MalStore store;
    private final Function<String, TaskData> tasks;
    private final SearchSettings.Evaluation evaluation;
    private final long seed;
    private final double[] lambdas;
    private final TrainingSamples training;
    /** Models kept in memory, each cache: a long search over a big zoo must not keep every model it ever read. */
    public static final int MODELS_KEPT = 256;
    private final Map<String, Loaded> zooModels = lru(MODELS_KEPT);
    private final Map<String, Model> assemblyModels = lru(MODELS_KEPT);
    private final Map<String, Dataset[]> data = new ConcurrentHashMap<>();

    private record Loaded(long modified, long size, Model model) {}

    /**
     * @param assemblies folder where assembly weights are kept as files (a cache of the store's blobs)
     * @param store where assembly blobs are read from when their file is missing; may be null
     */
    public Workbench(Zoo zoo, Path assemblies, MalStore store, Function<String, TaskData> tasks, SearchSettings.Evaluation evaluation,
                     long seed) {
        this.zoo = zoo;
        this.assemblies = assemblies;
        this.store = store;
        this.tasks = tasks;
        this.evaluation = evaluation;
        this.seed = seed;
        this.lambdas = Lmc.grid(evaluation.grid());
        this.training = new TrainingSamples(tasks, seed);
    }

    public Zoo zoo() { return zoo; }

    public Path assemblies() { return assemblies; }

    public SearchSettings.Evaluation evaluation() { return evaluation; }

    @Override
    public long seed() { return seed; }

    public double[] lambdas() { return lambdas.clone(); }

    /** A synchronized map that forgets its least recently used entry beyond {@code max}. */
    static <K, V> Map<K, V> lru(int max) {
        return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<K, V>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) { return size() > max; }
        });
    }

    /**
     * A zoo model by id, read again if its file changed.
     *
     * @throws UnusableModel when the file holds no valid model and reading the same bytes again would
     *     fail the same way (it did not change while it was read)
     */
    public Model zooModel(String id) {
        Path file = zoo.fileOf(id);
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            long size = Files.size(file);
            Loaded l = zooModels.get(id);
            if (l != null && l.modified() == modified && l.size() == size) return l.model();
            String content = Zoo.fingerprint(file);
            Model m;
            try {
                m = ModelIO.load(file).model();
            } catch (SafetensorsFormatException | ModelIO.InvalidModelFileException e) {
                if (content.equals(Zoo.fingerprint(file))) throw new UnusableModel(id, content, e.getMessage());
                throw e;   // it changed while it was read (still being copied?): an ordinary failure, tried again
            }
            zooModels.put(id, new Loaded(modified, size, m));
            return m;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("zoo model '" + id + "' is gone: no file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read zoo model '" + id + "' from " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A zoo model's file holds no valid model (damaged, or weights that are not the ones its card
     * names), and will not until its content changes: trying again is pointless.
     *
     * @param file the content that failed ({@link Zoo#fingerprint})
     */
    public static final class UnusableModel extends RuntimeException {
        private final String id;
        private final String file;

        public UnusableModel(String id, String file, String reason) {
            super(reason);
            this.id = id;
            this.file = file;
        }

        public String id() { return id; }

        public String file() { return file; }
    }

    /** The file an assembly's weights are kept in. */
    public Path assemblyFile(String weightsHash) { return assemblies.resolve(weightsHash + Zoo.EXTENSION); }

    /**
     * An assembly by its weights hash: from its file, or restored from the store blob when the file
     * is missing or does not hold those weights.
     */
    public Model assembly(String weightsHash, String blob) {
        Model kept = assemblyModels.get(weightsHash);
        if (kept != null) return kept;
        Model loaded = loadAssembly(weightsHash, blob);
        assemblyModels.put(weightsHash, loaded);
        return loaded;
    }

    private Model loadAssembly(String h, String blob) {
        Path file = assemblyFile(h);
        try {
            if (Files.isRegularFile(file)) {
                try {
                    Model m = ModelIO.load(file).model();
                    if (m.contentHash().equals(h)) return m;
                } catch (IOException | RuntimeException e) {
                    // a truncated or damaged file: restored from the blob below
                }
            }
            if (store == null || blob == null || !store.hasBlob(blob)) {
                throw new IllegalStateException("assembly " + h + " is neither in " + file + " nor in the store");
            }
            Files.createDirectories(assemblies);
            // copied next to its place and checked there: a failed copy (a damaged blob, a full disk) or a
            // blob of other weights leaves neither a .part file nor a wrong file under the assembly's name
            Path tmp = Files.createTempFile(assemblies, h, ".part");
            try {
                try (InputStream in = store.openBlob(blob)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Model m = ModelIO.load(tmp).model();
                if (!m.contentHash().equals(h)) throw new IllegalStateException("the store's blob " + blob + " does not hold assembly " + h);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return m;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read assembly " + h + ": " + e.getMessage(), e);
        }
    }

    /**
     * The rows of {@code task} that moves are evaluated on (stratified, seeded): with selection
     * {@code validation}, from the task's training set, and for the origin's task only from the rows
     * its card says were held out (its zoo's holdout, else its own validation rows; {@link
     * SearchSettings.Holdout}); with {@code test} (runs before issue 18), from its test set.
     */
    public Dataset selection(String task) { return split(task)[0]; }

    /**
     * What the final assembly is reported on, never used to choose a move: with selection
     * {@code validation}, the task's whole test set; with {@code test}, the test rows not selected.
     */
    public Dataset heldOut(String task) { return split(task)[1]; }

    private Dataset[] split(String task) {
        return data.computeIfAbsent(task, t -> {
            TaskData td = tasks.apply(t);
            Dataset test = td.test();
            if (evaluation.selection().equals(SearchSettings.Evaluation.TEST)) {
                int n = Math.min(evaluation.rows(), test.size() - 1);
                if (n < 1) throw new IllegalArgumentException("the test set of " + t + " has too few rows (" + test.size() + ") to hold some out");
                Splits.Partition p = Splits.stratified(test.labels(), test.classCount(), n, seed);
                return new Dataset[] {test.subset(t + "-select" + n, p.selected()), test.subset(t + "-heldout" + p.rest().length, p.rest())};
            }
            Dataset pool = td.train();
            SearchSettings.Holdout h = evaluation.holdout();
            if (h != null && h.task().equals(t)) {   // drawn again from the origin's card, checked against its hashes
                try {
                    pool = h.origin().holdout() != null ? ZooHoldout.of(td.train(), h.origin().holdout()).dataset(td.train())
                            : td.train().subset(td.train().name() + "-validation", CardRows.validation(td.train(), h.origin()));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("the rows the origin " + h.origin().id() + " held out of " + t + " cannot be drawn again: "
                            + e.getMessage(), e);
                }
            }
            int n = Math.min(evaluation.rows(), pool.size());
            Splits.Partition p = Splits.stratified(pool.labels(), pool.classCount(), n, seed);
            return new Dataset[] {pool.subset(t + "-validation-select" + n, p.selected()), test};
        });
    }

    /** {@code rows} stratified rows (the search's seed) of a task's training set: what methods learn or measure on. */
    @Override
    public Dataset training(String task, int rows) { return training.training(task, rows); }

    /**
     * The tasks a move is evaluated on: the base's, then the target's when it differs and
     * {@code target-tasks} is on (a target of unknown task adds none).
     */
    public List<String> tasks(String baseTask, String targetTask) {
        List<String> out = new java.util.ArrayList<>(List.of(baseTask));
        if (evaluation.targetTasks() && targetTask != null && !targetTask.equals(baseTask)) out.add(targetTask);
        return out;
    }

    /** Task → content hash of its selection rows. */
    public Map<String, String> evaluationData(List<String> taskNames) {
        Map<String, String> out = new TreeMap<>();
        for (String t : taskNames) out.put(t, selection(t).contentHash());
        return out;
    }
}
