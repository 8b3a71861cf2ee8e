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
import org.mal.core.cnn.CnnIO;
import org.mal.core.cnn.CnnModel;
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
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.zoo.Zoo;
import org.mal.store.MalStore;

/**
 * What evaluating a move needs, shared by the workers of one JVM: the models (zoo entries by id,
 * assemblies by content hash), the evaluation data, and the evaluation settings. Models and data
 * are loaded once and kept; a zoo file that changes on disk is read again.
 *
 * <p>An assembly's weights are kept once: as a blob in the search's store, which is the truth (it
 * is written, synced and checksummed before the step that accepts it is journaled, and a resume
 * needs nothing else). The {@code assemblies/} folder is not a second copy of every assembly: it
 * holds only what worker nodes on other machines must read, who cannot open the store (one
 * RocksDB, owned by the search's process), when they share the folder ({@code search.cluster.files
 * = shared}): with {@code shareFiles}, the current base's file, written when the base is made or
 * the search resumes, the previous one deleted. Without a shared folder (issue 22) a worker node's
 * workbench has {@link BlobFiles} instead: it gets zoo models and assemblies by the SHA-256 of their
 * files from the search's node and keeps them in the node's own folder. We chose the
 * store over the folder as the one copy because the journal already names blobs, a blob is
 * durable before its step is journaled (a file is not), and retention can then delete weights in
 * the same place it decides about them ({@link AssemblyRetention}).
 */
public final class Workbench implements MethodData {
    private final Zoo zoo;
    private final Path assemblies;
    private final MalStore store;
    private final Function<String, TaskData> tasks;
    private final SearchSettings.Evaluation evaluation;
    private final long seed;
    private final boolean shareFiles;
    private final double[] lambdas;
    private final TrainingSamples training;
    /** Models kept in memory, each cache: a long search over a big zoo must not keep every model it ever read. */
    public static final int MODELS_KEPT = 256;
    /** The default bound on the bytes of the weights each model cache holds (issue 22: {@code search.model-cache-mb}). */
    public static final long CACHE_BYTES = 256L << 20;
    private final Map<String, Loaded> zooModels;
    private final Map<String, Model> assemblyModels;
    /** Zoo models read from blobs, by the SHA-256 of their file (content: never stale). */
    private final Map<String, Model> blobModels;
    private final BlobFiles blobFiles;
    private final Map<String, Dataset[]> data = new ConcurrentHashMap<>();
    /** CNN zoo models (by id, as {@link #zooModels}) and CNN assemblies (by weights hash): the same bounds. */
    private final Map<String, LoadedCnn> cnnZooModels;
    private final Map<String, CnnModel> cnnAssemblies;

    private record LoadedCnn(long modified, long size, String file, CnnModel model) {}

    private record Loaded(long modified, long size, Model model) {}

    /** A workbench that shares no files: see {@link #Workbench(Zoo, Path, MalStore, Function, SearchSettings.Evaluation, long, boolean)}. */
    public Workbench(Zoo zoo, Path assemblies, MalStore store, Function<String, TaskData> tasks, SearchSettings.Evaluation evaluation,
                     long seed) {
        this(zoo, assemblies, store, tasks, evaluation, seed, false);
    }

    /**
     * @param assemblies the folder of assembly files that worker nodes read (and where this
     *     workbench reads them when it has no store)
     * @param store where assemblies are kept (their blobs); null on a worker node, which reads
     *     {@code assemblies}
     * @param shareFiles write the current base's file into {@code assemblies} for worker nodes
     *     (a search with {@code search.cluster.enabled})
     */
    public Workbench(Zoo zoo, Path assemblies, MalStore store, Function<String, TaskData> tasks, SearchSettings.Evaluation evaluation,
                     long seed, boolean shareFiles) {
        this(zoo, assemblies, store, tasks, evaluation, seed, shareFiles, CACHE_BYTES);
    }

    /**
     * @param cacheBytes each of the two model caches (zoo models, assemblies) forgets its least
     *     recently used models while the weights it holds exceed this many bytes (and it holds more
     *     than one), and holds at most {@value #MODELS_KEPT} models
     */
    public Workbench(Zoo zoo, Path assemblies, MalStore store, Function<String, TaskData> tasks, SearchSettings.Evaluation evaluation,
                     long seed, boolean shareFiles, long cacheBytes) {
        this(zoo, assemblies, store, tasks, evaluation, seed, shareFiles, cacheBytes, null);
    }

    /**
     * @param blobFiles where a worker node without the shared folder gets model files by their SHA-256
     *     ({@link #zooModel(String, String)}, {@link #assembly}); null: from {@code zoo} and the store
     *     or {@code assemblies}
     */
    public Workbench(Zoo zoo, Path assemblies, MalStore store, Function<String, TaskData> tasks, SearchSettings.Evaluation evaluation,
                     long seed, boolean shareFiles, long cacheBytes, BlobFiles blobFiles) {
        if (cacheBytes < 1) throw new IllegalArgumentException("the model cache needs a positive size in bytes, got " + cacheBytes);
        this.zooModels = lru(MODELS_KEPT, cacheBytes, l -> bytes(l.model()));
        this.assemblyModels = lru(MODELS_KEPT, cacheBytes, Workbench::bytes);
        this.blobModels = lru(MODELS_KEPT, cacheBytes, Workbench::bytes);
        this.cnnZooModels = lru(MODELS_KEPT, cacheBytes, l -> bytes(l.model().params()));
        this.cnnAssemblies = lru(MODELS_KEPT, cacheBytes, m -> bytes(m.params()));
        this.blobFiles = blobFiles;
        this.shareFiles = shareFiles;
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
    static <K, V> Map<K, V> lru(int max) { return lru(max, Long.MAX_VALUE, v -> 0L); }

    /**
     * A synchronized map that forgets its least recently used entries while it holds more than
     * {@code max} entries, or more than {@code maxBytes} by {@code size} (the most recent entry is
     * always kept, however large).
     */
    static <K, V> Map<K, V> lru(int max, long maxBytes, java.util.function.ToLongFunction<V> size) {
        return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<K, V>(16, 0.75f, true) {
            private long bytes;

            @Override
            public V put(K key, V value) {
                V old = super.put(key, value);
                if (old != null) bytes -= size.applyAsLong(old);
                bytes += size.applyAsLong(value);
                var it = entrySet().iterator();
                while (size() > 1 && (size() > max || bytes > maxBytes)) {
                    Map.Entry<K, V> eldest = it.next();
                    bytes -= size.applyAsLong(eldest.getValue());
                    it.remove();
                }
                return old;
            }

            @Override
            public V remove(Object key) {
                V old = super.remove(key);
                if (old != null) bytes -= size.applyAsLong(old);
                return old;
            }
        });
    }

    /** The bytes of a model's weights (what a cache entry holds). */
    static long bytes(Model m) { return bytes(m.params()); }

    static long bytes(Map<String, org.nd4j.linalg.api.ndarray.INDArray> params) {
        long b = 0;
        for (var t : params.values()) b += t.length() * t.dataType().width();
        return b;
    }

    /**
     * A CNN zoo model: by the SHA-256 of its file when this workbench gets files as blobs (as
     * {@link #zooModel(String, String)}), else by id from the zoo folder, read again when its file
     * changed. Its weights are checked against its card when the file has one.
     *
     * @throws UnusableModel when the file holds no valid CNN, or weights other than its card names
     */
    public CnnModel cnnZooModel(String id, String fileSha256) {
        Path file;
        try {
            if (fileSha256 != null && blobFiles != null) {
                LoadedCnn kept = cnnZooModels.get("sha:" + fileSha256);
                if (kept != null) return kept.model();
                file = blobFiles.file(fileSha256, "zoo model " + id);
                CnnModel m = readCnn(id, file);
                cnnZooModels.put("sha:" + fileSha256, new LoadedCnn(0, 0, fileSha256, m));
                return m;
            }
            file = zoo.fileOf(id);
            long modified = Files.getLastModifiedTime(file).toMillis();
            long size = Files.size(file);
            LoadedCnn l = cnnZooModels.get(id);
            if (l != null && l.modified() == modified && l.size() == size) return l.model();
            CnnModel m = readCnn(id, file);
            cnnZooModels.put(id, new LoadedCnn(modified, size, null, m));
            return m;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("zoo model '" + id + "' is gone: no file " + e.getFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read zoo model '" + id + "': " + e.getMessage(), e);
        }
    }

    /** A CNN file read and checked against its card (if it has one); a file that cannot hold the CNN is {@link UnusableModel}. */
    private static CnnModel readCnn(String id, Path file) throws IOException {
        String content = Zoo.fingerprint(file);
        CnnModel m;
        java.util.Optional<ModelCard> card;
        try {
            m = CnnIO.load(file).model();
            card = ModelIO.readCard(file);
        } catch (IOException | IllegalArgumentException e) {
            if (content.equals(Zoo.fingerprint(file))) throw new UnusableModel(id, content, e.getMessage());
            throw e;
        }
        if (card.isPresent() && !card.get().weightsHash().equals(Model.hashParams(m.params()))) {
            throw new UnusableModel(id, content, file + ": the weights hash to " + Model.hashParams(m.params()) + " but the model card says "
                    + card.get().weightsHash() + "; the file is corrupt or was edited");
        }
        return m;
    }

    /** A CNN assembly by its weights hash, from the store's blob (or, on a worker node, a fetched blob); as {@link #assembly}. */
    public CnnModel cnnAssembly(String weightsHash, String blob) {
        CnnModel kept = cnnAssemblies.get(weightsHash);
        if (kept != null) return kept;
        CnnModel m;
        if (store != null && blob != null && store.hasBlob(blob)) {
            m = readBlob(blob, file -> CnnIO.load(file).model());
        } else if (store == null && blobFiles != null && blob != null) {
            try {
                m = CnnIO.load(blobFiles.file(blob, "assembly " + weightsHash)).model();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot get assembly " + weightsHash + " (blob " + blob + "): " + e.getMessage(), e);
            }
        } else {
            throw new IllegalStateException("CNN assembly " + weightsHash + " is not in the store" + (blob == null ? " (no blob named)" : " (no blob " + blob + ")")
                    + (store != null ? " (search.assemblies may have let it go: rebuild it from its recipe with ./mal merge --recipe)" : ""));
        }
        String h = Model.hashParams(m.params());
        if (!h.equals(weightsHash)) throw new IllegalStateException("blob " + blob + " does not hold CNN assembly " + weightsHash + " (its weights hash to " + h + ")");
        cnnAssemblies.put(weightsHash, m);
        return m;
    }

    /**
     * Keeps a CNN assembly as the store's blob with its card ({@link ModelIO#saveCnn}); returns the
     * blob's name. CNN searches do not share files with worker nodes through the shared folder
     * ({@code search.cluster.files = shared}): worker nodes get the blob by transfer.
     */
    public String keepCnn(CnnModel model, ModelCard card) {
        if (shareFiles) throw new IllegalStateException("a CNN search cannot share assemblies through a folder (search.cluster.files = shared); use transfer");
        Path tmp = null;
        try {
            Files.createDirectories(assemblies);
            tmp = Files.createTempFile(assemblies, card.weightsHash(), PART);
            ModelIO.saveCnn(tmp, model, card);
            String blob = store.putBlob(Files.readAllBytes(tmp));
            cnnAssemblies.put(card.weightsHash(), model);
            return blob;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the CNN assembly " + card.weightsHash() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
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
     * A zoo model by the SHA-256 of its file, when this workbench gets files as blobs (a worker node
     * without the shared folder: fetched, checked against the hash, cached on the node's disk); by id
     * from the zoo folder ({@link #zooModel(String)}) when it does not or {@code fileSha256} is null.
     *
     * @throws UnusableModel when the file (whose bytes are the ones the coordinator hashed) holds no valid model
     */
    public Model zooModel(String id, String fileSha256) {
        if (fileSha256 == null || blobFiles == null) return zooModel(id);
        Model kept = blobModels.get(fileSha256);
        if (kept != null) return kept;
        Path file;
        try {
            file = blobFiles.file(fileSha256, "zoo model " + id);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        Model m;
        try {
            m = ModelIO.load(file).model();
        } catch (SafetensorsFormatException | ModelIO.InvalidModelFileException e) {
            try {
                throw new UnusableModel(id, Zoo.fingerprint(file), e.getMessage());   // the same bytes fail the same way everywhere
            } catch (IOException io) {
                throw new UncheckedIOException("cannot read zoo model '" + id + "' from " + file + ": " + io.getMessage(), io);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read zoo model '" + id + "' from " + file + ": " + e.getMessage(), e);
        }
        blobModels.put(fileSha256, m);
        return m;
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

    /** The file worker nodes read an assembly's weights from ({@link #shareFiles}). */
    public Path assemblyFile(String weightsHash) { return assemblies.resolve(weightsHash + Zoo.EXTENSION); }

    /** Whether this workbench writes the current base's file for worker nodes. */
    public boolean sharesFiles() { return shareFiles; }

    /**
     * An assembly by its weights hash: from the store's {@code blob} when this workbench has a
     * store, else (a worker node) from its file in {@link #assemblies()}.
     */
    public Model assembly(String weightsHash, String blob) {
        Model kept = assemblyModels.get(weightsHash);
        if (kept != null) return kept;
        Model loaded = loadAssembly(weightsHash, blob);
        assemblyModels.put(weightsHash, loaded);
        return loaded;
    }

    private Model loadAssembly(String h, String blob) {
        if (store != null && blob != null && store.hasBlob(blob)) {
            Model m = readBlob(blob, ModelIO::load).model();
            if (!m.contentHash().equals(h)) throw new IllegalStateException("the store's blob " + blob + " does not hold assembly " + h);
            return m;
        }
        if (store == null && blobFiles != null && blob != null) {   // a worker node without the shared folder
            Path fetched;
            try {
                fetched = blobFiles.file(blob, "assembly " + h);
                Model m = ModelIO.load(fetched).model();
                if (m.contentHash().equals(h)) return m;
                throw new IllegalStateException("blob " + blob + " does not hold assembly " + h + " (its weights hash to " + m.contentHash() + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot get assembly " + h + " (blob " + blob + "): " + e.getMessage(), e);
            }
        }
        Path file = assemblyFile(h);
        if (Files.isRegularFile(file)) {
            try {
                Model m = ModelIO.load(file).model();
                if (m.contentHash().equals(h)) return m;
                throw new IllegalStateException("the file " + file + " does not hold assembly " + h + " (its weights hash to " + m.contentHash() + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read assembly " + h + " from " + file + ": " + e.getMessage(), e);
            }
        }
        String where = store == null ? "" : blob == null ? "the store (no blob named), " : "the store (no blob " + blob + "), ";
        throw new IllegalStateException("assembly " + h + " is neither in " + where + "nor in " + file
                + (store != null ? " (search.assemblies may have let it go: rebuild it from its recipe with ./mal merge --recipe)" : ""));
    }

    /** Reads a model file. */
    private interface FileReader<T> {
        T read(Path file) throws IOException;
    }

    /** A blob read back as a model by {@code reader}: through a scratch file in {@link #assemblies()}, deleted at once. */
    private <T> T readBlob(String blob, FileReader<T> reader) {
        Path tmp = null;
        try {
            Files.createDirectories(assemblies);
            tmp = Files.createTempFile(assemblies, "blob-", PART);
            try (InputStream in = store.openBlob(blob)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            return reader.read(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the store's blob " + blob + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Suffix of scratch files in {@link #assemblies()}; a kill can leave one, and {@link AssemblyRetention#sweep} deletes it. */
    public static final String PART = ".part";

    /**
     * Keeps an assembly: its weights with their {@code card} as the store's blob (durable when this
     * returns), and, when this workbench shares files, as the file worker nodes read (then the only
     * file in {@link #assemblies()}: it becomes the base). Returns the blob's name.
     */
    public String keep(Model model, ModelCard card) {
        Path tmp = null;
        try {
            Files.createDirectories(assemblies);
            tmp = Files.createTempFile(assemblies, card.weightsHash(), PART);
            ModelIO.save(tmp, model, card);
            String blob = store.putBlob(Files.readAllBytes(tmp));
            if (shareFiles) {
                Files.move(tmp, assemblyFile(card.weightsHash()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                deleteSharedExcept(card.weightsHash(), false);   // workers may be reading blobs through scratch files
            }
            assemblyModels.put(card.weightsHash(), model);
            return blob;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the assembly " + card.weightsHash() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Makes {@code base} (an assembly's weights hash and blob; null for a zoo model) the file worker
     * nodes read, when this workbench shares files, and deletes every other file and scratch file
     * in {@link #assemblies()}; without sharing, deletes them all. For a start or resume.
     *
     * @return how many files were deleted
     */
    public int share(String baseHash, String baseBlob) {
        try {
            if (shareFiles && baseBlob != null && !Files.isRegularFile(assemblyFile(baseHash))) {
                Files.createDirectories(assemblies);
                Path tmp = Files.createTempFile(assemblies, baseHash, PART);
                try (InputStream in = store.openBlob(baseBlob)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, assemblyFile(baseHash), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    deleteQuietly(tmp);
                }
            }
            return deleteSharedExcept(shareFiles && baseBlob != null ? baseHash : null, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot share the base " + baseHash + " in " + assemblies + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the files in {@link #assemblies()} but {@code keepHash}'s (none when null), and scratch files with {@code scratch}. */
    private int deleteSharedExcept(String keepHash, boolean scratch) throws IOException {
        if (!Files.isDirectory(assemblies)) return 0;
        String keep = keepHash == null ? null : keepHash + Zoo.EXTENSION;
        int deleted = 0;
        try (var files = Files.list(assemblies)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals(keep) || !(name.endsWith(Zoo.EXTENSION) || scratch && name.endsWith(PART)) || !Files.isRegularFile(f)) continue;
                if (Files.deleteIfExists(f)) deleted++;
            }
        }
        return deleted;
    }

    private static void deleteQuietly(Path file) {
        if (file == null) return;
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a scratch file that cannot be deleted now is deleted by the next sweep
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
                            : td.train().subset(td.train().name() + "-validation", CardRows.validation(td.train(), h.origin(), evaluation.sampleSeed()));
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
