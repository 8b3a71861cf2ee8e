package org.mal.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.io.Safetensors;
import org.mal.core.model.Architecture;
import org.mal.core.model.Evaluator;
import org.mal.core.model.InputNormalisation;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@code ./mal zoo import}'s work: PyTorch state dicts under any names into zoo models with a card. */
class ZooImportTest {
    @TempDir Path dir;

    static final TaskData TASK = Synthetic.gaussianBlobs("blobs", 300, 200, 12, 3, 1);

    private static Model model(long seed) { return Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 3), seed); }

    private Path write(String name, Map<String, INDArray> tensors) throws IOException {
        Path file = dir.resolve(name + ".safetensors");
        Safetensors.write(file, tensors, Map.of());
        return file;
    }

    private static Map<String, INDArray> named(Model m, String... prefixes) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (int i = 0; i < prefixes.length; i++) {
            t.put(prefixes[i] + ".weight", m.weight(i));
            t.put(prefixes[i] + ".bias", m.bias(i));
        }
        return t;
    }

    private ZooImport.Result importFile(Path file, String id, List<String> layers, InputNormalisation n) throws IOException {
        return ZooImport.run(new Zoo(dir.resolve("zoo")), new ZooImport.Request(file, id, "blobs", layers, n, false), TASK);
    }

    @Test
    void sequentialNamesImportWithACardMeasuredOnTheTasksRows() throws IOException {
        Model m = model(1);
        Path file = write("seq", named(m, "0", "3", "5"));   // nn.Sequential(Linear, ReLU, Dropout, Linear, ReLU, Linear)
        ZooImport.Result r = importFile(file, "seq", null, null);
        ModelIO.Loaded back = ModelIO.load(r.file());
        assertEquals(m.contentHash(), back.model().contentHash());
        ModelCard card = back.card().orElseThrow();
        assertEquals(card, r.card());
        assertEquals("blobs", card.dataset().task());
        assertEquals(ZooImport.FAMILY, card.family());
        assertEquals("seq.safetensors", card.imported().source());
        assertEquals(org.mal.core.Sha256.hex(Files.readAllBytes(file)), card.imported().sourceSha256());
        assertEquals(List.of("0", "3", "5"), card.imported().layers());
        assertNull(card.imported().inputMean());
        assertTrue(card.imported().inputs().contains("[0, 1]"), card.imported().inputs());
        assertEquals(Evaluator.evaluate(m, TASK.test()), card.test());
        assertEquals(Evaluator.evaluate(m, TASK.train()), card.validation(), "no zoo holdout: the whole training set");
        assertEquals(TASK.test().contentHash(), card.dataset().testHash());
        assertEquals(1, new Zoo(dir.resolve("zoo")).list().size());
    }

    @Test
    void nestedCustomNamesAndBiaslessLayersImportAndBuffersAreIgnoredWithANote() throws IOException {
        Model m = model(2);
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("level1.1.weight", m.weight(0));
        t.put("level1.1.bias", m.bias(0));
        t.put("level2.bn.num_batches_tracked", Nd4j.scalar(DataType.FLOAT, 3f).reshape(1));
        t.put("level2.1.weight", m.weight(1));                 // Linear(bias=False)
        t.put("stats.running_mean", Nd4j.zeros(DataType.FLOAT, 8));
        t.put("head.weight", m.weight(2));
        t.put("head.bias", m.bias(2));
        ZooImport.Result r = importFile(write("nested", t), "nested", null, null);
        Model got = ModelIO.load(r.file()).model();
        assertEquals(List.of("level1.1", "level2.1", "head"), r.card().imported().layers());
        assertEquals(List.of("level2.1.weight"), r.card().imported().biasless());
        assertEquals(List.of("level2.bn.num_batches_tracked", "stats.running_mean"), r.card().imported().ignored());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("ignored") && n.contains("stats.running_mean")), r.notes().toString());
        assertEquals(0.0, got.bias(1).castTo(DataType.DOUBLE).amaxNumber().doubleValue(), 0.0);
        assertEquals(m.weight(1), got.weight(1));
        // the function of the biasless original: its layer 1 without bias
        Map<String, INDArray> p = new LinkedHashMap<>(m.params());
        p.put(Architecture.biasName(1), Nd4j.zeros(DataType.FLOAT, 8));
        INDArray x = TASK.test().features(0, 50);
        assertEquals(new Model(m.architecture(), p).logits(x), got.logits(x));
    }

    @Test
    void aNestedFileInTheZooIsReadableWithoutImport() throws IOException {
        Model m = model(3);
        Files.createDirectories(dir.resolve("zoo"));
        Safetensors.write(dir.resolve("zoo/raw.safetensors"), named(m, "level1.1", "level2.1", "level3.1"), Map.of());
        Zoo.Entry e = new Zoo(dir.resolve("zoo")).list().get(0);
        assertTrue(e.problem().isEmpty(), e.problem().toString());
        assertEquals(m.architecture(), e.architecture().orElseThrow());
        assertEquals(m.contentHash(), ModelIO.load(e.file()).model().contentHash());
    }

    @Test
    void orderByShapesWhenTheNamesSayNothingAndLayersWhenAmbiguous() throws IOException {
        Model m = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 5), 3), 4);
        // file order out, hidden, input: only the shapes order them
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("out.weight", m.weight(2));
        t.put("hidden.weight", m.weight(1));
        t.put("input.weight", m.weight(0));
        ZooImport.Result r = importFile(write("shapes", t), "shapes", null, null);
        assertEquals(List.of("input", "hidden", "out"), r.card().imported().layers());

        Model sq = model(5);   // two 8x8 hidden layers: c_out, b, a, z_in chain as z_in -> a -> b -> c_out or z_in -> b -> a -> c_out
        Map<String, INDArray> amb = new LinkedHashMap<>();
        amb.put("c_out.weight", sq.weight(2));
        amb.put("b.weight", sq.weight(1));
        amb.put("a.weight", Nd4j.eye(8).castTo(DataType.FLOAT));
        amb.put("z_in.weight", sq.weight(0));
        Path file = write("ambiguous", amb);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> importFile(file, "ambiguous", null, null));
        assertOneLineNaming(e, "several orders", "a.weight [8, 8]", "b.weight [8, 8]", "--layers");
        ZooImport.Result named = importFile(file, "ambiguous", List.of("z_in", "b", "a", "c_out"), null);
        assertEquals(List.of("z_in", "b", "a", "c_out"), named.card().imported().layers());
        assertEquals(sq.weight(1), ModelIO.load(named.file()).model().weight(1));

        // both the file's order and the names' order chain, differently
        Map<String, INDArray> two = new LinkedHashMap<>();
        two.put("l1.weight", sq.weight(0));
        two.put("l3.weight", sq.weight(1));
        two.put("l2.weight", sq.weight(1));
        two.put("l4.weight", sq.weight(2));
        Path twoFile = write("two", two);
        e = assertThrows(IllegalArgumentException.class, () -> importFile(twoFile, "two", null, null));
        assertOneLineNaming(e, "two orders", "l1 -> l3 -> l2 -> l4", "l1 -> l2 -> l3 -> l4", "--layers");
    }

    @Test
    void inconsistentFilesGiveOneLineErrorsNamingTheTensors() throws IOException {
        Model m = model(6);
        Map<String, INDArray> stray = named(m, "a", "b", "c");
        stray.put("norm.weight", Nd4j.ones(DataType.FLOAT, 8));   // a LayerNorm's weight changes the function: not droppable
        Path strayFile = write("stray", stray);
        var e = assertThrows(IllegalArgumentException.class, () -> importFile(strayFile, "stray", null, null));
        assertOneLineNaming(e, "norm.weight [8]", "not dense-layer parameters");

        Map<String, INDArray> bias = named(m, "a", "b", "c");
        bias.put("b.bias", Nd4j.zeros(DataType.FLOAT, 5));
        Path biasFile = write("bias", bias);
        e = assertThrows(IllegalArgumentException.class, () -> importFile(biasFile, "bias", null, null));
        assertOneLineNaming(e, "b.bias [5]", "b.weight [8, 8]");

        Model wide = Trainer.initialWeights(Architecture.mlp(12, List.of(8, 8), 4), 7);   // 4 outputs, the task has 3 classes
        Path wideFile = write("wide", named(wide, "a", "b", "c"));
        e = assertThrows(IllegalArgumentException.class, () -> importFile(wideFile, "wide", null, null));
        assertOneLineNaming(e, "c.weight gives 4 outputs, not the 3 classes", "--layers");

        e = assertThrows(IllegalArgumentException.class, () -> importFile(wideFile, "wide", List.of("a", "x"), null));
        assertOneLineNaming(e, "--layers names 'x'", "a.weight [8, 12]");
        assertFalse(Files.exists(dir.resolve("zoo/wide.safetensors")));
    }

    private static void assertOneLineNaming(Exception e, String... parts) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
    }

    @Test
    void foldedNormalisationComputesTheOriginalOnNormalisedInputs() throws IOException {
        Model m = model(8);
        InputNormalisation n = new InputNormalisation(0.1307, 0.3081);
        Model folded = n.fold(m);
        java.util.Random random = new java.util.Random(11);
        float[] values = new float[64 * 12];
        for (int i = 0; i < values.length; i++) values[i] = random.nextFloat();   // inputs in [0, 1), as MAL's
        INDArray x = Nd4j.create(values, new long[] {64, 12});
        INDArray expected = m.logits(x.sub(0.1307).div(0.3081));
        INDArray got = folded.logits(x);
        assertEquals(0.0, expected.sub(got).castTo(DataType.DOUBLE).amaxNumber().doubleValue(), 1e-5);
        assertTrue(expected.sub(m.logits(x)).castTo(DataType.DOUBLE).amaxNumber().doubleValue() > 1e-2, "normalisation matters here");

        ZooImport.Result r = importFile(write("norm", named(m, "0", "2", "4")), "norm", null, n);
        assertEquals(0.1307, r.card().imported().inputMean());
        assertEquals(0.3081, r.card().imported().inputStd());
        assertTrue(r.card().imported().inputs().contains("folded"), r.card().imported().inputs());
        INDArray imported = ModelIO.load(r.file()).model().logits(x);
        assertEquals(0.0, expected.sub(imported).castTo(DataType.DOUBLE).amaxNumber().doubleValue(), 1e-5);
    }

    @Test
    void anIdTheZooHasIsRefusedUnlessReplacing() throws IOException {
        Path file = write("m", named(model(9), "0", "2", "4"));
        ZooImport.Result first = importFile(file, "m", null, null);
        byte[] stored = Files.readAllBytes(first.file());
        Path other = write("other", named(model(10), "0", "2", "4"));
        var e = assertThrows(IllegalArgumentException.class, () -> importFile(other, "m", null, null));
        assertTrue(e.getMessage().contains("already has a model 'm'") && e.getMessage().contains("--force"), e.getMessage());
        assertArrayEquals(stored, Files.readAllBytes(first.file()));
        ZooImport.Result replaced = ZooImport.run(new Zoo(dir.resolve("zoo")), new ZooImport.Request(other, "m", "blobs", null, null, true), TASK);
        assertEquals(model(10).contentHash(), replaced.card().weightsHash());
        assertThrows(IllegalArgumentException.class, () -> new ZooImport.Request(file, "../m", "blobs", null, null, false));
    }

    @Test
    void aZooWithAHoldoutValidatesImportsOnItAndTheCardNamesIt() throws IOException {
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = t, datasets = [blobs], families = [equal], depths = [1], widths = [8, 6], architectures = []
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 1, batch-size = 32, seed = 5, validation-fraction = 0.2,
                             holdout-rows = 60 }
                }"""));
        new ZooBuilder(spec, zoo, name -> TASK).build(new ZooBuilder.Listener() {});
        ModelCard trained = zoo.list().get(0).card().orElseThrow();
        ZooImport.Result r = importFile(write("h", named(model(12), "0", "2", "4")), "h", null, null);
        assertEquals(2, zoo.list().size() - 1, "two trained models, each with its own accuracy on the held-out rows");
        assertEquals(trained.holdout().withMetrics(r.card().validation()), r.card().holdout(),
                "the same rows; the accuracy on them is the imported model's own");
        assertEquals(60, r.card().validation().samples());
        assertEquals(Evaluator.evaluate(model(12), ZooHoldout.of(TASK.train(), trained.holdout()).dataset(TASK.train())), r.card().validation());
    }
}
