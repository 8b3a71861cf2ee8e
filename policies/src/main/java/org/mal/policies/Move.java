package org.mal.policies;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import org.mal.core.Sha256;
import org.mal.core.align.LayerMap;
import org.mal.core.config.Canonical;

/**
 * One candidate step of the search, as a value (mergekit's "recipe"): which target model's layers go
 * into which base layers, and how they are aligned, merged and how λ is chosen.
 *
 * <p>Its {@link #canonical()} JSON (keys sorted, layer pairs sorted by base layer, integral numbers
 * written as integers) is stable across runs and insertion orders, so it can be part of a cache key:
 * two moves are {@link #equals equal} exactly when their canonical encodings are.
 *
 * @param base id of the base model (or assembly) the move applies to
 * @param target id of the zoo model whose layers are offered
 * @param layerMap the layer map as {@link LayerMap#toString()}, e.g. {@code "0:0,1:2"}
 * @param lambdaPolicy how λ is chosen: {@code fixed} (settings {@code value}) or {@code threshold}
 *     (the merging-threshold law; settings say how λ* is searched)
 * @param soup further zoo models merged with {@code target} at once (a soup): each aligned to the base
 *     with the same layer map and aligner, λ split evenly among all the targets; sorted, empty for a
 *     move of one target, and then absent from the canonical JSON (so such moves encode as before)
 */
public record Move(String base, String target, String layerMap,
                   String aligner, SortedMap<String, Object> alignerSettings,
                   String merger, SortedMap<String, Object> mergerSettings,
                   String lambdaPolicy, SortedMap<String, Object> lambdaSettings,
                   @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> soup) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    public Move {
        Objects.requireNonNull(base, "a move needs a 'base'");
        Objects.requireNonNull(target, "a move needs a 'target'");
        Objects.requireNonNull(aligner, "a move needs an 'aligner'");
        Objects.requireNonNull(merger, "a move needs a 'merger'");
        Objects.requireNonNull(lambdaPolicy, "a move needs a 'lambdaPolicy'");
        layerMap = canonicalLayerMap(Objects.requireNonNull(layerMap, "a move needs a 'layerMap'"));
        alignerSettings = canonicalMap(alignerSettings);
        mergerSettings = canonicalMap(mergerSettings);
        lambdaSettings = canonicalMap(lambdaSettings);
        soup = soup == null ? List.of() : soup.stream().sorted().toList();
        for (int k = 0; k < soup.size(); k++) {
            if (soup.get(k).equals(target) || (k > 0 && soup.get(k).equals(soup.get(k - 1)))) {
                throw new IllegalArgumentException("a soup names each target once: " + target + " + " + soup);
            }
        }
    }

    /** A move of one target. */
    public Move(String base, String target, String layerMap, String aligner, SortedMap<String, Object> alignerSettings, String merger,
                SortedMap<String, Object> mergerSettings, String lambdaPolicy, SortedMap<String, Object> lambdaSettings) {
        this(base, target, layerMap, aligner, alignerSettings, merger, mergerSettings, lambdaPolicy, lambdaSettings, List.of());
    }

    /** Every target: {@code target}, then the soup's. */
    @JsonIgnore
    public List<String> targets() {
        List<String> all = new ArrayList<>(List.of(target));
        all.addAll(soup);
        return List.copyOf(all);
    }

    /** The targets as one name, e.g. {@code a+b+c}. */
    @JsonIgnore
    public String targetNames() { return String.join("+", targets()); }

    /** This move with these further targets (a soup; none: a move of one target). */
    public Move withSoup(List<String> others) {
        return new Move(base, target, layerMap, aligner, alignerSettings, merger, mergerSettings, lambdaPolicy, lambdaSettings, others);
    }

    /** The parsed layer map. */
    @JsonIgnore
    public LayerMap layers() { return LayerMap.parse(layerMap); }

    public Move withLayerMap(LayerMap map) {
        return new Move(base, target, map.toString(), aligner, alignerSettings, merger, mergerSettings, lambdaPolicy, lambdaSettings, soup);
    }

    public Move withLambda(String policy, Map<String, ?> settings) {
        return new Move(base, target, layerMap, aligner, alignerSettings, merger, mergerSettings, policy, canonicalMap(settings), soup);
    }

    public Move withAligner(String name, Map<String, ?> settings) {
        return new Move(base, target, layerMap, name, canonicalMap(settings), merger, mergerSettings, lambdaPolicy, lambdaSettings, soup);
    }

    public Move withMerger(String name, Map<String, ?> settings) {
        return new Move(base, target, layerMap, aligner, alignerSettings, name, canonicalMap(settings), lambdaPolicy, lambdaSettings, soup);
    }

    /** Canonical JSON: sorted keys, no whitespace; equal moves give equal strings. */
    public String canonical() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode move " + this, e);
        }
    }

    /** SHA-256 (hex) of {@link #canonical()}: a short cache key. */
    public String hash() { return Sha256.hex(canonical()); }

    public static Move fromCanonical(String json) {
        try {
            return JSON.readValue(json, Move.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a move: " + json + " (" + e.getOriginalMessage() + ")", e);
        }
    }

    static String canonicalLayerMap(String text) {
        List<LayerMap.Pair> pairs = new ArrayList<>(LayerMap.parse(text).pairs());
        pairs.sort(Comparator.comparingInt(LayerMap.Pair::base));
        return new LayerMap(pairs).toString();
    }

    /**
     * Sorted, unmodifiable deep copy; integral numbers become {@code Long} and others {@code Double},
     * so that {@code 1} and {@code 1.0} (HOCON int vs double) encode alike.
     */
    public static SortedMap<String, Object> canonicalMap(Map<String, ?> settings) { return Canonical.map(settings); }

    @Override
    public String toString() { return canonical(); }
}
