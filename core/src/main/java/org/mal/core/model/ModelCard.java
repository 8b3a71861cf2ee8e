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
 * @param family the shape family (e.g. {@code pyramid}) or {@code custom}
 * @param validation metrics on the held-out part of the training set; {@code null} if none was held out
 * @param weightsHash {@link Model#contentHash()} of the weights the card describes
 * @param merge how the weights were merged from two models, for merged models; {@code null} otherwise
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
        MergeRecipe merge) {

    /** A card of a model that was not merged. */
    public ModelCard(String id, Architecture architecture, String family, DatasetRef dataset, Metrics train, Metrics validation,
                     Metrics test, Recipe recipe, Provenance provenance, String weightsHash) {
        this(id, architecture, family, dataset, train, validation, test, recipe, provenance, weightsHash, null);
    }

    public ModelCard {
        Objects.requireNonNull(id, "a model card needs an 'id'");
        Objects.requireNonNull(architecture, "model card " + id + " needs an 'architecture'");
        Objects.requireNonNull(weightsHash, "model card " + id + " needs a 'weightsHash'");
    }

    /** The task and the exact train/test data (content hashes) a model was trained and tested on. */
    public record DatasetRef(String task, String trainName, String trainHash, String testName, String testHash) {}

    /**
     * How the model was trained. {@code learningRatesTried} lists every rate that was trained, of
     * which the best on validation data was kept ({@code learningRate}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Recipe(String optimizer, double learningRate, int epochs, int batchSize, long seed,
                         List<Double> learningRatesTried, Double validationFraction, double trainSeconds) {}

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

    /** Where the weights come from: parent models (content hashes), code version, platform, time (UTC, ISO-8601). */
    public record Provenance(List<String> parents, String codeVersion, String platform, String createdAt) {}
}
