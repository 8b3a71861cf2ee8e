package org.mal.core.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mal.core.Platform;
import org.mal.core.Sha256;
import org.mal.core.data.Dataset;
import org.mal.core.data.TaskData;
import org.mal.core.io.Safetensors;
import org.mal.core.io.SafetensorsFile;
import org.mal.core.model.Evaluator;
import org.mal.core.model.InputNormalisation;
import org.mal.core.model.LayerChain;
import org.mal.core.model.Metrics;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Brings a model trained elsewhere (a PyTorch state dict saved as safetensors) into a zoo as a zoo
 * model like the ones MAL trains: MAL's tensor names, and a card with its task, its provenance (the
 * source file's name and SHA-256) and its metrics, measured now on the rows MAL's models are measured
 * on: the task's whole test set, and for validation the zoo's held-out rows of the task when the zoo's
 * trained models name a zoo holdout ({@code zoo.training.holdout-rows}; the card then names it too, so a
 * search from this model chooses on those rows), else the task's whole training set (the rows the
 * imported model trained on are unknown; the card says which).
 *
 * <p>The dense layers are found by {@link LayerChain} (any module names; {@code layers} names them
 * when their order is ambiguous). A declared input normalisation is folded into the first layer
 * ({@link InputNormalisation#fold}) and recorded; without one the model is taken as trained on
 * inputs in [0, 1], and the card says so.
 *
 * <p>An id already in the zoo is refused unless {@code replace} is set: nothing stored is lost
 * silently. The file is written atomically.
 */
public final class ZooImport {
    private ZooImport() {}

    /** Family written on imported models' cards (the {@code shape} column of {@code zoo list}). */
    public static final String FAMILY = "imported";

    /**
     * One file to import.
     *
     * @param id the zoo id (the file is {@code <id>.safetensors})
     * @param layers the module prefixes of the dense layers in order, or {@code null} to infer them
     * @param normalisation the input normalisation the model was trained with, or {@code null} for none
     * @param replace whether an existing zoo model with that id may be replaced
     */
    public record Request(Path source, String id, String task, List<String> layers, InputNormalisation normalisation, boolean replace) {
        public Request {
            layers = layers == null ? null : List.copyOf(layers);
            requireValidId(id);
        }
    }

    /** What was written, and notes for the user (ignored buffers, biasless layers, how the order was found, the inputs). */
    public record Result(ModelCard card, Path file, List<String> notes) {}

    /** Ids name files in the zoo folder: no path separators, no leading dot (hidden and temporary files), not empty. */
    public static void requireValidId(String id) {
        if (id == null || id.isEmpty() || id.startsWith(".") || id.contains("/") || id.contains("\\") || id.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("invalid zoo id '" + id + "': it names a file in the zoo folder, so it must be non-empty, "
                    + "without '/' or '\\\\', and not start with '.'");
        }
    }

    /** The zoo id a source file gets by default: its name without {@code .safetensors}. */
    public static String defaultId(Path source) {
        String name = source.getFileName().toString();
        return name.endsWith(Zoo.EXTENSION) ? name.substring(0, name.length() - Zoo.EXTENSION.length()) : name;
    }

    /**
     * Imports {@code r.source()} into {@code zoo} as {@code r.id()}; {@code task} is the task's data
     * (its name must be {@code r.task()}), not modified.
     *
     * @throws IllegalArgumentException (one line) when the file's tensors do not make an MLP for the
     *     task, the id is taken, or the zoo's holdouts of the task disagree
     * @throws IOException when the source cannot be read or the zoo file cannot be written
     */
    public static Result run(Zoo zoo, Request r, TaskData task) throws IOException {
        Path dest = zoo.fileOf(r.id());
        if (!Files.isRegularFile(r.source())) throw new IllegalArgumentException(r.source() + " does not exist or is not a file");
        if (Files.exists(dest) && !r.replace()) {
            throw new IllegalArgumentException("the zoo already has a model '" + r.id() + "' (" + dest + "); give another --id, or --force to replace it");
        }
        String sha256 = sha256(r.source());
        SafetensorsFile st = Safetensors.read(r.source());
        Map<String, long[]> shapes = new LinkedHashMap<>();
        st.tensors().forEach((name, t) -> shapes.put(name, t.shape()));
        Dataset train = task.train();
        LayerChain.Chain chain;
        try {
            chain = r.layers() != null ? LayerChain.named(shapes, r.layers(), train.featureCount(), train.classCount())
                    : LayerChain.infer(shapes, train.featureCount(), train.classCount());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(r.source() + ": " + e.getMessage() + " (task " + task.name() + ": " + train.featureCount()
                    + " inputs, " + train.classCount() + " classes)", e);
        }
        Model read;
        try {
            read = ModelIO.fromChain(st.tensors(), chain);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(r.source() + ": " + e.getMessage(), e);
        }
        requireFinite(r.source(), read);
        Model model = r.normalisation() == null ? read : r.normalisation().fold(read);
        requireFinite(r.source(), model);

        List<String> notes = new ArrayList<>();
        notes.add("dense layers " + String.join(" -> ", chain.prefixes()) + " (" + chain.architecture().describe() + ", order from "
                + chain.how() + ")");
        List<String> biasless = new ArrayList<>();
        for (LayerChain.Link l : chain.links()) if (l.bias() == null) biasless.add(l.weight());
        if (!biasless.isEmpty()) notes.add("no bias for " + String.join(", ", biasless) + ": a bias of zeros is written (same function)");
        if (!chain.ignored().isEmpty()) notes.add("ignored (buffers, not parameters of the chain): " + String.join(", ", chain.ignored()));
        String inputs = r.normalisation() == null
                ? "taken as trained on inputs in [0, 1] (no input normalisation was declared)"
                : "trained on " + r.normalisation().describe() + "; folded into layer 0, so the model takes inputs in [0, 1]";
        notes.add("inputs: " + inputs);

        ModelCard.Holdout holdout = zooHoldout(zoo, task.name(), r.id());
        Dataset validation;
        String validationRows;
        if (holdout != null) {
            validation = ZooHoldout.of(train, holdout).dataset(train);
            validationRows = "the zoo's " + holdout.rows() + " held-out rows of " + train.name() + " (seed " + holdout.seed() + ")";
        } else {
            validation = train;
            validationRows = "all " + train.size() + " rows of " + train.name() + " (the rows the model trained on are unknown)";
        }
        Metrics val = Evaluator.evaluate(model, validation);
        Metrics test = Evaluator.evaluate(model, task.test());
        ModelCard card = new ModelCard(r.id(), model.architecture(), FAMILY,
                new ModelCard.DatasetRef(task.name(), null, null, task.test().name(), task.test().contentHash()),
                null, val, test, null,
                new ModelCard.Provenance(List.of(), Platform.codeVersion(), Platform.describe(), Instant.now().toString()),
                model.contentHash(), null, null, holdout == null ? null : holdout.withMetrics(val),
                new ModelCard.Imported(r.source().getFileName().toString(), sha256, chain.prefixes(), biasless, chain.ignored(),
                        r.normalisation() == null ? null : r.normalisation().mean(), r.normalisation() == null ? null : r.normalisation().std(),
                        inputs, validationRows));
        Files.createDirectories(zoo.dir());
        ModelIO.save(dest, model, card);
        return new Result(card, dest, notes);
    }

    /**
     * The zoo holdout of {@code task} that the zoo's other models' cards name (the rows, without any
     * model's metrics on them), or {@code null} when none names one; refuses when they name different ones.
     */
    static ModelCard.Holdout zooHoldout(Zoo zoo, String task, String except) throws IOException {
        ModelCard.Holdout found = null;
        String by = null;
        for (Zoo.Entry e : zoo.list()) {
            if (e.id().equals(except) || e.card().isEmpty()) continue;
            ModelCard c = e.card().get();
            if (c.holdout() == null || c.dataset() == null || !task.equals(c.dataset().task())) continue;
            ModelCard.Holdout rows = c.holdout().withMetrics(null);   // the rows, not that model's accuracy on them
            if (found != null && !found.equals(rows)) {
                throw new IllegalArgumentException("the zoo's models of " + task + " name different zoo holdouts (" + by + " and " + e.id()
                        + "), so it is unclear which rows to validate an imported model on; import it into a zoo of one holdout");
            }
            found = rows;
            by = e.id();
        }
        return found;
    }

    private static void requireFinite(Path source, Model m) {
        for (var e : m.params().entrySet()) {
            INDArray t = e.getValue();
            if (t.isNaN().any() || t.isInfinite().any()) {
                throw new IllegalArgumentException(source + ": layer tensor " + e.getKey() + " holds NaN or infinite values");
            }
        }
    }

    /** SHA-256 of the file's bytes, hex. */
    static String sha256(Path file) throws IOException {
        MessageDigest d = Sha256.digest();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }
}
