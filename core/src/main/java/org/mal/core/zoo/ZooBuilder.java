package org.mal.core.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.mal.core.Platform;
import org.mal.core.data.Dataset;
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
 * every learning rate of the recipe is trained on the training set minus a stratified validation
 * part; the rate with the best validation accuracy (then lower loss) is kept. Each finished model is
 * written at once (atomically), so an interrupted build loses at most the entry in progress.
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
        return trainEntry(entry, spec.training(), entry.seed(spec.training().seed()), tasks.apply(entry.dataset()),
                zoo.fileOf(entry.id()), index, total, listener);
    }

    /**
     * Trains one entry with every learning rate of {@code t}, keeps the best on validation data and
     * writes it with its card to {@code file}. {@code seed} fixes the validation split, the initial
     * weights and the batch order (the zoo seed {@code t.seed()} is not used here).
     */
    public static ModelCard trainEntry(ZooSpec.Entry entry, ZooSpec.Training t, long seed, TaskData task,
                                       java.nio.file.Path file, int index, int total, Listener listener) throws IOException {
        Dataset[] parts = Splits.split(task.train(), t.validationFraction(), seed, task.train().name() + "-fit",
                task.train().name() + "-validation");
        Dataset fit = parts[0];
        Dataset validation = parts[1];
        Architecture arch = Architecture.mlp(fit.featureCount(), entry.hiddenWidths(), fit.classCount());

        long started = System.nanoTime();
        Model best = null;
        Metrics bestValidation = null;
        double bestRate = Double.NaN;
        for (double rate : t.learningRates()) {
            listener.entryStarted(entry, index, total, rate);
            TrainConfig config = new TrainConfig(t.optimizer(), rate, t.epochs(), t.batchSize(), seed);
            Model model = Trainer.train(arch, fit, config, listener);
            Metrics m = Evaluator.evaluate(model, validation);
            if (best == null || m.accuracy() > bestValidation.accuracy()
                    || (m.accuracy() == bestValidation.accuracy() && m.loss() < bestValidation.loss())) {
                best = model;
                bestValidation = m;
                bestRate = rate;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        ModelCard card = new ModelCard(
                entry.id(), arch, entry.family(),
                new ModelCard.DatasetRef(task.name(), fit.name(), fit.contentHash(), task.test().name(), task.test().contentHash()),
                Evaluator.evaluate(best, fit), bestValidation, Evaluator.evaluate(best, task.test()),
                new ModelCard.Recipe(t.optimizer().label(), bestRate, t.epochs(), t.batchSize(), seed, t.learningRates(),
                        t.validationFraction(), Math.round(seconds * 100) / 100.0),
                new ModelCard.Provenance(List.of(), Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                best.contentHash());
        ModelIO.save(file, best, card);
        return card;
    }
}
