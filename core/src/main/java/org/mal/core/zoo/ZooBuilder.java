package org.mal.core.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.mal.core.Platform;
import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnEvaluation;
import org.mal.core.cnn.CnnModel;
import org.mal.core.train.CnnTrainer;
import org.mal.core.data.Dataset;
import org.mal.core.data.Shards;
import org.mal.core.data.Splits;
import org.mal.core.data.TaskData;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.train.TrainConfig;
import org.mal.core.train.Trainer;
import org.mal.core.train.TrainingListener;

/**
 * Trains the entries of a {@link ZooSpec} that the zoo folder does not hold yet. For each entry,
 * every learning rate of the recipe is trained on the entry's rows minus a stratified validation
 * part of them; the rate with the best validation accuracy (then lower loss) is kept. Each finished
 * model is written at once (atomically), so an interrupted build loses at most the entry in progress.
 *
 * <p>An entry's rows are the task's training set, minus the zoo holdout
 * ({@code zoo.training.holdout-rows}, {@link ZooHoldout}) if any, cut to the entry's shard if it has
 * one ({@link ShardSpec}); both are recorded on the card. Without either, the rows are the whole
 * training set, exactly as before shards existed.
 */
public final class ZooBuilder {

    /** What happens, for progress display. Called on the building thread. */
    public interface Listener extends TrainingListener {
        default void entryStarted(ZooSpec.Entry entry, int index, int total, double learningRate) {}
        default void entrySkipped(ZooSpec.Entry entry, ModelCard existing) {}
        default void entryDone(ZooSpec.Entry entry, ModelCard card) {}
    }

    /** The outcome of a build: entries trained now and entries already present. */
    public record Report(List<ModelCard> trained, List<ModelCard> kept) {}

    private final ZooSpec spec;
    private final Zoo zoo;
    private final Function<String, TaskData> tasks;
    private final Map<String, TaskData> loaded = new HashMap<>();
    private final Map<List<Object>, int[][]> partitions = new HashMap<>();

    /** @param tasks loads a task (e.g. {@code "mnist"}) by name; called once per dataset and cached by the caller */
    public ZooBuilder(ZooSpec spec, Zoo zoo, Function<String, TaskData> tasks) {
        this.spec = spec;
        this.zoo = zoo;
        this.tasks = tasks;
    }

    public Report build(Listener listener) throws IOException {
        Files.createDirectories(zoo.dir());
        List<ZooSpec.Entry> entries = spec.entries();
        List<ModelCard> trained = new ArrayList<>();
        List<ModelCard> kept = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            ZooSpec.Entry entry = entries.get(i);
            Optional<ModelCard> existing = existingCard(entry);
            if (existing.isPresent()) {
                kept.add(existing.get());
                listener.entrySkipped(entry, existing.get());
                continue;
            }
            ModelCard card = train(entry, i, entries.size(), listener);
            trained.add(card);
            listener.entryDone(entry, card);
        }
        return new Report(trained, kept);
    }

    private Optional<ModelCard> existingCard(ZooSpec.Entry entry) throws IOException {
        var file = zoo.fileOf(entry.id());
        if (!Files.exists(file)) return Optional.empty();
        try {
            return ModelIO.readCard(file);
        } catch (IOException e) {
            throw new IOException("zoo entry " + file + " exists but cannot be read (" + e.getMessage()
                    + "); move it away to retrain it", e);
        }
    }

    private ModelCard train(ZooSpec.Entry entry, int index, int total, Listener listener) throws IOException {
        TaskData task = loaded.computeIfAbsent(entry.dataset(), tasks);
        long zooSeed = spec.training().seed();
        return trainEntry(entry, spec.training().forDataset(entry.dataset()), entry.seed(zooSeed), entry.initSeed(zooSeed), task,
                rowsOf(entry, task.train()), zoo.fileOf(entry.id()), index, total, listener);
    }

    /**
     * The rows entry {@code entry} trains and validates on, with what its card says about them;
     * {@code null} when the zoo has neither a holdout nor shards for it (the whole training set).
     */
    public EntryRows rowsOf(ZooSpec.Entry entry, Dataset train) {
        return rowsOf(spec.training(), entry, train, partitions);
    }

    /** The zoo holdout of a task's training set, or {@code null} if the zoo holds no rows out. */
    public static ZooHoldout holdoutOf(ZooSpec.Training t, Dataset train) {
        return t.holdoutRows() == 0 ? null : ZooHoldout.of(train, t.holdoutRows(), t.seed());
    }

    private static EntryRows rowsOf(ZooSpec.Training t, ZooSpec.Entry entry, Dataset train, Map<List<Object>, int[][]> cache) {
        ShardSpec shards = entry.shards();
        if (t.holdoutRows() == 0 && shards == null) return null;
        ZooHoldout holdout = holdoutOf(t, train);
        ModelCard.Holdout holdoutCard = holdout == null ? null : holdout.card(train);
        int[] available = holdout == null ? Shards.complement(train.size(), new int[0]) : holdout.available(train.size());
        if (shards == null) return new EntryRows(train.name() + "-zoo", available, null, holdoutCard);
        int[][] partition = cache.computeIfAbsent(java.util.Arrays.asList(train.contentHash(), t.holdoutRows(), t.seed(), shards),
                k -> shards.partition(available, train.labels(), train.classCount(), t.seed()));
        int[] rows = partition[entry.shard()];
        int[] histogram = Shards.classCounts(rows, train.labels(), train.classCount());
        ModelCard.Shard card = new ModelCard.Shard(entry.shard() + 1, shards.count(), shards.iid(), shards.alpha(), shards.seedOr(t.seed()),
                shards.minRows(), rows.length, Shards.rowsHash(rows), java.util.Arrays.stream(histogram).boxed().toList());
        return new EntryRows(train.name() + "-" + shards.label() + "-" + (entry.shard() + 1) + "of" + shards.count(), rows, card, holdoutCard);
    }

    /**
     * The rows of a task's training set one entry may use (its fit and validation parts together) and
     * what its card records about them.
     *
     * @param name name of the dataset made of those rows
     * @param rows indices into the training set, ascending
     * @param shard the entry's shard, or {@code null}
     * @param holdout the zoo holdout, or {@code null}
     */
    public record EntryRows(String name, int[] rows, ModelCard.Shard shard, ModelCard.Holdout holdout) {}

    /**
     * Trains one entry with every learning rate of {@code t}, keeps the best on validation data and
     * writes it with its card to {@code file}. {@code seed} fixes the validation split, the initial
     * weights and the batch order (the zoo seed {@code t.seed()} is not used here).
     */
    public static ModelCard trainEntry(ZooSpec.Entry entry, ZooSpec.Training t, long seed, TaskData task,
                                       java.nio.file.Path file, int index, int total, Listener listener) throws IOException {
        return trainEntry(entry, t, seed, task, null, file, index, total, listener);
    }

    /**
     * The same on the given rows of the task's training set ({@code rows}; {@code null}: all of it);
     * the validation part is drawn from within those rows, and the card records their shard and the
     * zoo holdout.
     */
    public static ModelCard trainEntry(ZooSpec.Entry entry, ZooSpec.Training t, long seed, TaskData task, EntryRows rows,
                                       java.nio.file.Path file, int index, int total, Listener listener) throws IOException {
        return trainEntry(entry, t, seed, seed, task, rows, file, index, total, listener);
    }

    /**
     * A CNN entry ({@link CnnZooArchitectures}): trained by {@link CnnTrainer} with every learning rate, the best on
     * validation rows kept, evaluated by {@link CnnEvaluation}, written by {@link ModelIO#saveCnn} with a card whose
     * {@code cnn} is the architecture. The card's other fields mean what they mean for an MLP.
     */
    private static ModelCard trainCnnEntry(ZooSpec.Entry entry, ZooSpec.Training t, long seed, long initSeed, TaskData task, EntryRows rows,
                                           Dataset pool, java.nio.file.Path file, int index, int total, Listener listener) throws IOException {
        Dataset[] parts = Splits.split(pool, t.validationFraction(), seed, pool.name() + "-fit", pool.name() + "-validation");
        Dataset fit = parts[0];
        Dataset validation = parts[1];
        int side = (int) Math.round(Math.sqrt(fit.featureCount()));
        if (side * side != fit.featureCount()) {
            throw new IllegalArgumentException("entry " + entry.id() + ": a CNN needs square one-channel images, but " + task.name() + " has "
                    + fit.featureCount() + " features");
        }
        CnnArchitecture arch = CnnZooArchitectures.of(entry.network(), entry.hiddenWidths(), 1, side, side, fit.classCount());
        Chosen<CnnModel> chosen = bestRate(entry, t, seed, index, total, listener,
                config -> CnnTrainer.train(CnnTrainer.initialWeights(arch, initSeed), fit, config, listener),
                model -> CnnEvaluation.evaluate(model, validation));
        CnnModel best = chosen.model();
        Metrics bestValidation = chosen.validation();
        double bestRate = chosen.rate();
        double seconds = chosen.seconds();
        ModelCard.Holdout holdout = rows == null || rows.holdout() == null ? null
                : rows.holdout().withMetrics(CnnEvaluation.evaluate(best, ZooHoldout.of(task.train(), rows.holdout()).dataset(task.train())));
        ModelCard card = new ModelCard(
                entry.id(), null, entry.family(),
                new ModelCard.DatasetRef(task.name(), fit.name(), fit.contentHash(), task.test().name(), task.test().contentHash()),
                CnnEvaluation.evaluate(best, fit), bestValidation, CnnEvaluation.evaluate(best, task.test()),
                new ModelCard.Recipe(t.optimizer().label(), bestRate, t.epochs(), t.batchSize(), seed, t.learningRates(),
                        t.validationFraction(), Math.round(seconds * 100) / 100.0, initSeed == seed ? null : initSeed),
                new ModelCard.Provenance(List.of(), Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                Model.hashParams(best.params()), null, rows == null ? null : rows.shard(), holdout, null, arch);
        ModelIO.saveCnn(file, best, card);
        return card;
    }

    /** The same with the initial weights drawn from {@code initSeed} (every learning rate starts from them). */
    public static ModelCard trainEntry(ZooSpec.Entry entry, ZooSpec.Training t, long seed, long initSeed, TaskData task, EntryRows rows,
                                       java.nio.file.Path file, int index, int total, Listener listener) throws IOException {
        Dataset pool = rows == null ? task.train() : task.train().subset(rows.name(), rows.rows());
        if (t.rows() > 0 && pool.size() > t.rows()) {
            pool = pool.subset(pool.name() + "-" + t.rows(), Splits.stratified(pool.labels(), pool.classCount(), t.rows(), t.seed()).selected());
        }
        if (entry.network().convolutional()) return trainCnnEntry(entry, t, seed, initSeed, task, rows, pool, file, index, total, listener);
        Dataset[] parts = Splits.split(pool, t.validationFraction(), seed, pool.name() + "-fit", pool.name() + "-validation");
        Dataset fit = parts[0];
        Dataset validation = parts[1];
        Architecture arch = Architecture.mlp(fit.featureCount(), entry.hiddenWidths(), fit.classCount());

        Chosen<Model> chosen = bestRate(entry, t, seed, index, total, listener,
                config -> Trainer.train(Trainer.initialWeights(arch, initSeed), fit, config, listener),
                model -> Evaluator.evaluate(model, validation));
        Model best = chosen.model();
        Metrics bestValidation = chosen.validation();
        double bestRate = chosen.rate();
        double seconds = chosen.seconds();
        ModelCard.Holdout holdout = rows == null || rows.holdout() == null ? null
                : rows.holdout().withMetrics(Evaluator.evaluate(best, ZooHoldout.of(task.train(), rows.holdout()).dataset(task.train())));
        ModelCard card = new ModelCard(
                entry.id(), arch, entry.family(),
                new ModelCard.DatasetRef(task.name(), fit.name(), fit.contentHash(), task.test().name(), task.test().contentHash()),
                Evaluator.evaluate(best, fit), bestValidation, Evaluator.evaluate(best, task.test()),
                new ModelCard.Recipe(t.optimizer().label(), bestRate, t.epochs(), t.batchSize(), seed, t.learningRates(),
                        t.validationFraction(), Math.round(seconds * 100) / 100.0, initSeed == seed ? null : initSeed),
                new ModelCard.Provenance(List.of(), Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                best.contentHash(), null, rows == null ? null : rows.shard(), holdout);
        ModelIO.save(file, best, card);
        return card;
    }

    /** The model of the learning rate with the best validation accuracy (ties: lower loss), its validation metrics, rate and the seconds all rates took. */
    private record Chosen<M>(M model, Metrics validation, double rate, double seconds) {}

    /** Trains one model per learning rate of {@code t} and keeps the one {@link Chosen} describes. */
    private static <M> Chosen<M> bestRate(ZooSpec.Entry entry, ZooSpec.Training t, long seed, int index, int total, Listener listener,
                                          java.util.function.Function<TrainConfig, M> train, java.util.function.Function<M, Metrics> validate) {
        long started = System.nanoTime();
        M best = null;
        Metrics bestValidation = null;
        double bestRate = Double.NaN;
        for (double rate : t.learningRates()) {
            listener.entryStarted(entry, index, total, rate);
            M model = train.apply(new TrainConfig(t.optimizer(), rate, t.epochs(), t.batchSize(), seed));
            Metrics m = validate.apply(model);
            if (best == null || m.accuracy() > bestValidation.accuracy()
                    || (m.accuracy() == bestValidation.accuracy() && m.loss() < bestValidation.loss())) {
                best = model;
                bestValidation = m;
                bestRate = rate;
            }
        }
        return new Chosen<>(best, bestValidation, bestRate, (System.nanoTime() - started) / 1e9);
    }
}
