package org.mal.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a zoo entry says about itself: identity, architecture, what it was trained on, how well it
 * does, how it was made and from what. Stored as JSON in the safetensors header
 * ({@code __metadata__["mal.card"]}).
 *
 * @param family the shape family (e.g. {@code pyramid}), {@code custom}, or {@code imported} ({@code ./mal zoo import})
 * @param validation metrics on the held-out part of the training set; {@code null} if none was held out
 * @param weightsHash {@link Model#contentHash()} of the weights the card describes
 * @param merge how the weights were merged from two models, for merged models; {@code null} otherwise
 * @param shard which part of the task's training set the model was trained and validated on, when it
 *     was trained on a shard; {@code null} otherwise (and on cards written before shards existed)
 * @param holdout the rows of the task's training set that the model's zoo held out from every model
 *     (no model of the zoo trained or validated on them); {@code null} if the zoo held none out
 * @param imported where an imported model came from and how it was read ({@code ./mal zoo import});
 *     {@code null} for models MAL trained or merged
 * @param cnn the architecture of a convolutional model (then {@code architecture} is {@code null}: that field
 *     is an MLP's); {@code null} for MLPs, so MLP cards read and write exactly as before
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelCard(
        String id,
        Architecture architecture,
        String family,
        DatasetRef dataset,
        Metrics train,
        Metrics validation,
        Metrics test,
        Recipe recipe,
        Provenance provenance,
        String weightsHash,
        MergeRecipe merge,
        Shard shard,
        Holdout holdout,
        Imported imported,
        org.mal.core.cnn.CnnArchitecture cnn) {

    /** A card of an MLP. */
    public ModelCard(String id, Architecture architecture, String family, DatasetRef dataset, Metrics train, Metrics validation,
                     Metrics test, Recipe recipe, Provenance provenance, String weightsHash, MergeRecipe merge, Shard shard, Holdout holdout,
                     Imported imported) {
        this(id, architecture, family, dataset, train, validation, test, recipe, provenance, weightsHash, merge, shard, holdout, imported, null);
    }

    /** A card of a model that was not merged. */
    public ModelCard(String id, Architecture architecture, String family, DatasetRef dataset, Metrics train, Metrics validation,
                     Metrics test, Recipe recipe, Provenance provenance, String weightsHash) {
        this(id, architecture, family, dataset, train, validation, test, recipe, provenance, weightsHash, null);
    }

    /** A card without a shard or zoo holdout. */
    public ModelCard(String id, Architecture architecture, String family, DatasetRef dataset, Metrics train, Metrics validation,
                     Metrics test, Recipe recipe, Provenance provenance, String weightsHash, MergeRecipe merge) {
        this(id, architecture, family, dataset, train, validation, test, recipe, provenance, weightsHash, merge, null, null);
    }

    /** A card of a model that was not imported. */
    public ModelCard(String id, Architecture architecture, String family, DatasetRef dataset, Metrics train, Metrics validation,
                     Metrics test, Recipe recipe, Provenance provenance, String weightsHash, MergeRecipe merge, Shard shard, Holdout holdout) {
        this(id, architecture, family, dataset, train, validation, test, recipe, provenance, weightsHash, merge, shard, holdout, null);
    }

    public ModelCard {
        Objects.requireNonNull(id, "a model card needs an 'id'");
        if ((architecture == null) == (cnn == null)) {
            throw new IllegalArgumentException("model card " + id + " needs an 'architecture' (an MLP's) or a 'cnn' (a CNN's), not both");
        }
        Objects.requireNonNull(weightsHash, "model card " + id + " needs a 'weightsHash'");
    }

    /** The task and the exact train/test data (content hashes) a model was trained and tested on. */
    public record DatasetRef(String task, String trainName, String trainHash, String testName, String testHash) {}

    /**
     * How the model was trained. {@code learningRatesTried} lists every rate that was trained, of
     * which the best on validation data was kept ({@code learningRate}). {@code seed} fixes the
     * validation split, the batch order and the initial weights, unless {@code initSeed} is set: then
     * the initial weights come from {@code initSeed} (shared by the models of a group whose shards share
     * their initialisation).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Recipe(String optimizer, double learningRate, int epochs, int batchSize, long seed,
                         List<Double> learningRatesTried, Double validationFraction, double trainSeconds, Long initSeed) {
        /** Initial weights from {@code seed}. */
        public Recipe(String optimizer, double learningRate, int epochs, int batchSize, long seed, List<Double> learningRatesTried,
                      Double validationFraction, double trainSeconds) {
            this(optimizer, learningRate, epochs, batchSize, seed, learningRatesTried, validationFraction, trainSeconds, null);
        }
    }

    /**
     * What {@code ./mal merge} did: base and target (content hashes), the layer map, the aligner
     * (as {@code Alignment.method()}), its settings, and λ.
     */
    public record MergeRecipe(String baseHash, String targetHash, String layerMap, String aligner, Map<String, String> settings,
                              double lambda) {
        public MergeRecipe {
            settings = new java.util.TreeMap<>(settings);
        }
    }

    /**
     * The shard a model was trained on: the shard's rows of the task's training set (its fit and
     * validation parts together), identified by their count and {@code Shards.rowsHash} (indices into
     * the training set named by {@link Holdout#trainHash} or, without a holdout, the task's training
     * set), the class histogram of those rows, and the partition that made them: shard {@code index}
     * (from 1) of {@code count}, IID or Dirichlet({@code alpha}), {@code seed}, {@code minRows}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Shard(int index, int count, boolean iid, Double alpha, long seed, int minRows, int rows, String rowsHash,
                        List<Integer> classCounts) {
        public Shard {
            classCounts = List.copyOf(classCounts);
        }
    }

    /**
     * The zoo's held-out rows of the task's training set: {@code rows} rows (stratified by class, seed
     * {@code seed}, as {@code Splits.stratified}), their indices' {@code Shards.rowsHash}, the
     * content hash of those rows as a dataset (in ascending row order) and the content hash of the
     * training set they were taken from; {@code metrics}: the model's own loss and accuracy on those rows
     * (the one accuracy of a zoo's models measured on common rows none of them saw: a shard model's
     * {@code validation} is measured on its own, possibly skewed, shard), {@code null} on cards
     * written before it was recorded.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Holdout(long seed, int rows, String rowsHash, String contentHash, String trainHash, Metrics metrics) {
        /** Without the model's metrics on the rows. */
        public Holdout(long seed, int rows, String rowsHash, String contentHash, String trainHash) {
            this(seed, rows, rowsHash, contentHash, trainHash, null);
        }

        /** The same rows with the model's metrics on them. */
        public Holdout withMetrics(Metrics m) { return new Holdout(seed, rows, rowsHash, contentHash, trainHash, m); }
    }

    /**
     * How a model trained elsewhere (PyTorch) was imported: the source file's name and SHA-256 (of its
     * bytes), the module prefixes of its dense layers in order ({@code layers}, as {@code --layers}
     * takes them) with those that had no bias (given zeros), the buffers that were ignored, and its
     * input normalisation: {@code (x - inputMean) / inputStd}, folded into layer 0 so that the
     * model takes MAL's inputs in [0, 1]; both {@code null} when none was declared (the model is
     * taken as trained on [0, 1] inputs). {@code inputs} says which in words; {@code validationRows}
     * says which rows the card's validation metrics were measured on.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Imported(String source, String sourceSha256, List<String> layers, List<String> biasless, List<String> ignored,
                           Double inputMean, Double inputStd, String inputs, String validationRows) {
        public Imported {
            layers = List.copyOf(layers);
            biasless = List.copyOf(biasless);
            ignored = List.copyOf(ignored);
        }
    }

    /** Whether the card describes a convolutional model ({@link #cnn}) rather than an MLP ({@link #architecture}). */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean convolutional() { return cnn != null; }

    /** The architecture in words: the MLP's {@code describe()} or the CNN's. */
    public String describeArchitecture() { return cnn != null ? cnn.describe() : architecture.describe(); }

    /** Where the weights come from: parent models (content hashes), code version, platform, time (UTC, ISO-8601). */
    public record Provenance(List<String> parents, String codeVersion, String platform, String createdAt) {}
}
