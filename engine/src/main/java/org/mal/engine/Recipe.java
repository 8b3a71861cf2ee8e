package org.mal.engine;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.mal.core.Platform;
import org.mal.core.data.TaskData;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.Move;

/**
 * How an assembly was made, as data: the origin and every accepted step (the move, the target's
 * weights ({@link MoveRunner#targetWeights} for a soup), λ, and the weights it gave), with the seed and the evaluation settings the aligners
 * used. {@link #replay} computes the assembly again from the zoo and checks every step's weights
 * against the recipe, so a recipe either reproduces its assembly bit for bit or names the step
 * that differs and why. Written next to an exported model ({@code ./mal export}); read by
 * {@code ./mal merge --recipe}. Keys are snake_case.
 *
 * <p>{@code card} is the exported file's model card (what the search measured and when it made the
 * weights): the replay recomputes the tensors and writes them with that card, so the file it writes
 * is the exported file, byte for byte. Null in recipes written before it was recorded (then only the
 * tensors are reproduced, and the card is a new one).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Recipe(String format, String assembly, String assemblyHash, String origin, String originHash, String zoo, long seed,
                     SearchSettings.Evaluation evaluation, String task, List<Step> steps, String codeVersion, String search, int run,
                     String createdAt, ModelCard card) {

    public static final String FORMAT = "mal-recipe/1";

    /** One accepted move and the weights it gave. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Step(int step, Move move, String target, String targetHash, double lambda, String resultHash) {}

    public Recipe {
        if (!FORMAT.equals(format)) throw new IllegalArgumentException("not a MAL recipe (format '" + format + "', expected " + FORMAT + ")");
        Objects.requireNonNull(originHash, "a recipe needs 'origin_hash'");
        steps = List.copyOf(steps);
        if (card != null && !card.weightsHash().equals(assemblyHash)) {
            throw new IllegalArgumentException("the recipe's card describes weights " + card.weightsHash() + ", its assembly is " + assemblyHash);
        }
    }

    /** The recipe of the assembly a run had after the first {@code lineageSize} accepted steps of its lineage. */
    public static Recipe of(SearchState s, int lineageSize, Path searchDir) {
        SearchSettings settings = SearchSettings.ofRun(s.settings()).withOrigin(s.origin());
        List<Step> steps = new ArrayList<>();
        for (SearchEvent.StepClosed c : s.lineage().subList(0, lineageSize)) {
            steps.add(new Step(c.step(), c.accepted(), c.accepted().target(), c.assembly().merge().targetHash(), c.assembly().merge().lambda(),
                    c.assembly().weightsHash()));
        }
        SearchEvent.StepClosed last = s.lineage().get(lineageSize - 1);
        return new Recipe(FORMAT, last.assembly().id(), last.assembly().weightsHash(), s.origin().id(), s.origin().weightsHash(),
                settings.zoo().toString(), settings.seed(), settings.evaluation(), MoveRunner.task(s.origin()), steps,
                Platform.codeVersion(), searchDir.toAbsolutePath().toString(), s.run(), java.time.Instant.now().toString(), last.assembly());
    }

    /** Whether the assembly is a CNN (its card says so; a recipe without a card is an MLP's: CNN recipes always carry it). */
    public boolean convolutional() { return card != null && card.convolutional(); }

    /**
     * {@link #replay} for a CNN assembly: the origin and each step's targets read from the zoo, each
     * step merged again ({@link MoveRunner#mergeCnn}) and its weights checked against the recipe.
     *
     * @throws IllegalStateException naming the first model or step whose weights differ from the recipe's
     */
    public org.mal.core.cnn.CnnModel replayCnn(Path zooDir, Function<String, TaskData> tasks) {
        if (!convolutional()) throw new IllegalStateException("the recipe's assembly " + assembly + " is not a CNN: replay it with replay");
        Zoo z = new Zoo(zooDir != null ? zooDir : Path.of(zoo));
        Workbench bench = new Workbench(z, Path.of("."), null, tasks, evaluation, seed);
        org.mal.core.cnn.CnnModel current = bench.cnnZooModel(origin, null);
        String h = Model.hashParams(current.params());
        if (!h.equals(originHash)) {
            throw new IllegalStateException("the origin " + origin + " in " + z.dir() + " has weights " + h + ", the recipe was made from " + originHash);
        }
        for (Step st : steps) {
            if (!st.move().soup().isEmpty()) throw new IllegalStateException("step " + st.step() + " is a soup; soups of CNNs are not built");
            org.mal.core.cnn.CnnModel target = bench.cnnZooModel(st.move().target(), null);
            String weights = Model.hashParams(target.params());
            if (!weights.equals(st.targetHash())) {
                throw new IllegalStateException("step " + st.step() + ": the target " + st.move().target() + " in " + z.dir() + " has weights " + weights
                        + ", the recipe used " + st.targetHash());
            }
            current = MoveRunner.mergeCnn(bench, st.move(), current, task, target, st.lambda());
            String got = Model.hashParams(current.params());
            if (!got.equals(st.resultHash())) {
                throw new IllegalStateException("step " + st.step() + " gave weights " + got + ", the recipe says " + st.resultHash()
                        + " (recipe made by " + codeVersion + ", this is " + Platform.codeVersion() + "; a CNN merge that measures batch-norm"
                        + " statistics depends on ND4J's thread count too: run with the search's OMP_NUM_THREADS, which ./mal sets to 1)");
            }
        }
        return current;
    }

    public static Recipe read(Path file) {
        try {
            return SearchJson.read(java.nio.file.Files.readString(file), Recipe.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recipe " + file + ": " + e.getMessage(), e);
        }
    }

    public void write(Path file) throws IOException {
        java.nio.file.Files.writeString(file, SearchJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(this));
    }

    /**
     * Computes the assembly again from the models of {@code zooDir} (the recipe's zoo when null).
     *
     * @throws IllegalStateException naming the first model or step whose weights differ from the recipe's
     */
    public Model replay(Path zooDir, Function<String, TaskData> tasks) {
        if (convolutional()) throw new IllegalStateException("the recipe's assembly " + assembly + " is a CNN: replay it with replayCnn");
        Zoo z = new Zoo(zooDir != null ? zooDir : Path.of(zoo));
        Workbench bench = new Workbench(z, Path.of("."), null, tasks, evaluation, seed);
        Model current = bench.zooModel(origin);
        if (!current.contentHash().equals(originHash)) {
            throw new IllegalStateException("the origin " + origin + " in " + z.dir() + " has weights " + current.contentHash()
                    + ", the recipe was made from " + originHash);
        }
        for (Step st : steps) {
            List<Model> targets = new ArrayList<>();
            for (String id : st.move().targets()) targets.add(bench.zooModel(id));
            String weights = MoveRunner.targetWeights(targets.stream().map(Model::contentHash).toList());
            if (!weights.equals(st.targetHash())) {
                throw new IllegalStateException("step " + st.step() + ": the target " + st.move().targetNames() + " in " + z.dir()
                        + " has weights " + weights + ", the recipe used " + st.targetHash());
            }
            current = MoveRunner.merge(bench, st.move(), current, task, targets, st.lambda());
            if (!current.contentHash().equals(st.resultHash())) {
                throw new IllegalStateException("step " + st.step() + " gave weights " + current.contentHash() + ", the recipe says "
                        + st.resultHash() + " (recipe made by " + codeVersion + ", this is " + Platform.codeVersion() + ")");
            }
        }
        return current;
    }
}
