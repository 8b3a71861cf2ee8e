package org.mal.policies;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;

/**
 * The zoo as the policies see it: the model cards, sorted by id (so that proposals do not depend on
 * directory listing order), plus the entries that could not be read and why.
 */
public final class ZooIndex {
    private final Map<String, ModelCard> byId = new LinkedHashMap<>();
    private final Map<String, String> skipped;

    private ZooIndex(List<ModelCard> cards, Map<String, String> skipped) {
        List<ModelCard> sorted = new ArrayList<>(cards);
        sorted.sort(Comparator.comparing(ModelCard::id));
        for (ModelCard c : sorted) {
            if (byId.putIfAbsent(c.id(), c) != null) throw new IllegalArgumentException("two zoo entries have the id " + c.id());
        }
        this.skipped = Map.copyOf(skipped);
    }

    public static ZooIndex of(List<ModelCard> cards) { return new ZooIndex(cards, Map.of()); }

    /** Every entry of {@code zoo} that has a card; the others are listed in {@link #skipped()}. */
    public static ZooIndex from(Zoo zoo) throws IOException {
        List<ModelCard> cards = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (Zoo.Entry e : zoo.list()) {
            if (e.card().isPresent()) cards.add(e.card().get());
            else skipped.put(e.id(), e.problem().orElse("no model card"));
        }
        return new ZooIndex(cards, skipped);
    }

    public List<ModelCard> cards() { return List.copyOf(byId.values()); }

    public Optional<ModelCard> get(String id) { return Optional.ofNullable(byId.get(id)); }

    public ModelCard require(String id) {
        ModelCard c = byId.get(id);
        if (c == null) throw new NoSuchElementException("no model '" + id + "' in the zoo index; known: " + byId.keySet());
        return c;
    }

    /** Entry ids without a usable card, with the reason. */
    public Map<String, String> skipped() { return skipped; }

    public int size() { return byId.size(); }
}
