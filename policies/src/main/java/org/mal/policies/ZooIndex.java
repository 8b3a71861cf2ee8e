package org.mal.policies;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;

/**
 * The zoo as the policies see it: the model cards, sorted by id (so that proposals do not depend on
 * directory listing order), plus the entries that are not targets and why.
 *
 * <p>A model is loaded from {@code <id>.safetensors} ({@link Zoo#fileOf}), so a card counts only in
 * the file named after its id: a renamed copy ({@code backup.safetensors} holding model {@code a})
 * is skipped with the reason, naming both files, and model {@code a} stays a target.
 */
public final class ZooIndex {
    private final Map<String, ModelCard> byId = new LinkedHashMap<>();
    private final Map<String, String> skipped;
    private final boolean convolutional;

    /**
     * @param convolutional the kind of model this index offers as targets: CNNs (a search whose base
     *     is a CNN) or MLPs; the other kind is skipped with the reason (they do not merge)
     */
    private ZooIndex(List<ModelCard> cards, Map<String, String> skipped, boolean convolutional) {
        this.convolutional = convolutional;
        List<ModelCard> sorted = new ArrayList<>(cards);
        sorted.sort(Comparator.comparing(ModelCard::id));
        for (ModelCard c : sorted) {
            if (byId.putIfAbsent(c.id(), c) != null) throw new IllegalArgumentException("two zoo entries have the id " + c.id());
        }
        this.skipped = java.util.Collections.unmodifiableMap(new TreeMap<>(skipped));
    }

    /** An index of these cards (MLPs, or CNNs when the first card is one), none skipped. */
    public static ZooIndex of(List<ModelCard> cards) {
        return new ZooIndex(cards, Map.of(), !cards.isEmpty() && cards.get(0).convolutional());
    }

    /** Every MLP of {@code zoo} that has a card in the file named after its id; the others are listed in {@link #skipped()}. */
    public static ZooIndex from(Zoo zoo) throws IOException { return from(zoo, zoo.list()); }

    /** The same from entries already read (in id order), e.g. those a watcher keeps and reads again only when their file changes. */
    public static ZooIndex from(Zoo zoo, List<Zoo.Entry> entries) { return from(zoo, entries, false); }

    /** The models of one kind ({@code convolutional}: CNNs, else MLPs) of {@code zoo}; the others skipped with the reason. */
    public static ZooIndex from(Zoo zoo, boolean convolutional) throws IOException { return from(zoo, zoo.list(), convolutional); }

    /** An index of the same kind as {@code origin} (the base of a search): CNNs for a CNN, MLPs for an MLP. */
    public static ZooIndex forBase(Zoo zoo, ModelCard origin) throws IOException { return from(zoo, origin.convolutional()); }

    /** The same from entries already read. */
    public static ZooIndex from(Zoo zoo, List<Zoo.Entry> entries, boolean convolutional) {
        List<ModelCard> cards = new ArrayList<>();
        Map<String, String> skipped = new LinkedHashMap<>();
        for (Zoo.Entry e : entries) {
            if (e.card().isEmpty()) {
                skipped.put(e.id(), e.problem().orElse(NO_CARD));
            } else if (e.card().get().convolutional() != convolutional) {
                skipped.put(e.id(), convolutional ? MLP : CNN);
            } else if (!e.card().get().id().equals(e.id())) {
                String id = e.card().get().id();
                Path own = zoo.fileOf(id).getFileName();
                skipped.put(e.id(), Files.exists(zoo.fileOf(id))
                        ? e.file().getFileName() + " holds model '" + id + "' as " + own + " does; a search reads '" + id + "' from " + own
                                + " only, so this copy is not used (remove it, or give it a card of its own)"
                        : e.file().getFileName() + " holds model '" + id + "', which a search reads from " + own
                                + ", not there: rename the file to " + own);
            } else {
                cards.add(e.card().get());
            }
        }
        return new ZooIndex(cards, skipped, convolutional);
    }

    /** Why a CNN is not a target of a search whose base is an MLP. */
    public static final String CNN = "a CNN: a search whose base is an MLP merges MLPs (start a search from a CNN to merge CNNs)";

    /** Why an MLP is not a target of a search whose base is a CNN. */
    public static final String MLP = "an MLP: a search whose base is a CNN merges CNNs";

    /** Whether this index offers CNNs (else MLPs). */
    public boolean convolutional() { return convolutional; }

    /** Why a model without a card (a PyTorch file copied into the zoo) is not a target. */
    public static final String NO_CARD = "imported without a task: run mal zoo import on its file with --task to give it a card; "
            + "a search needs the task to evaluate merges, ./mal merge can use it as it is";

    /**
     * What a search can use: the usable ids, then the skipped ones with the reason, on one line
     * (for an error that names a model the search cannot use).
     */
    public String describe() {
        StringBuilder sb = new StringBuilder("usable: ").append(byId.isEmpty() ? "none" : String.join(", ", byId.keySet()));
        if (!skipped.isEmpty()) {
            sb.append("; skipped: ");
            List<String> each = new ArrayList<>();
            skipped.forEach((id, why) -> each.add(id + " (" + why + ")"));
            sb.append(String.join(", ", each));
        }
        return sb.toString();
    }

    /** This index without the models in {@code reasons} (id → why), which join {@link #skipped()}. */
    public ZooIndex without(Map<String, String> reasons) {
        if (reasons.isEmpty()) return this;
        List<ModelCard> kept = new ArrayList<>();
        for (ModelCard c : byId.values()) if (!reasons.containsKey(c.id())) kept.add(c);
        Map<String, String> s = new LinkedHashMap<>(skipped);
        s.putAll(reasons);
        return new ZooIndex(kept, s, convolutional);
    }

    public List<ModelCard> cards() { return List.copyOf(byId.values()); }

    public Optional<ModelCard> get(String id) { return Optional.ofNullable(byId.get(id)); }

    public ModelCard require(String id) {
        ModelCard c = byId.get(id);
        if (c == null) throw new NoSuchElementException("no model '" + id + "' in the zoo index; known: " + byId.keySet());
        return c;
    }

    /** Entries that are not targets (by file name), with the reason, sorted. */
    public Map<String, String> skipped() { return skipped; }

    public int size() { return byId.size(); }
}
