package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.data.DataDir;
import org.mal.core.data.Idx;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;

class MergeCommandTest {
    @TempDir Path dir;

    private String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    @Test
    void writesTheMergeWithProvenanceAndTheAlignmentAsJson() throws Exception {
        Model base = Trainer.initialWeights(Architecture.mlp(784, List.of(16, 8), 10), 1);
        Model target = Trainer.initialWeights(Architecture.mlp(784, List.of(12, 9), 10), 2);
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        ModelIO.save(a, base, null);
        ModelIO.save(b, target, null);
        Path out = dir.resolve("m.safetensors");
        Path json = dir.resolve("m.json");
        String[] r = run("merge", "--base", a.toString(), "--target", b.toString(), "--lambda", "0.5",
                "--out", out.toString(), "--json", json.toString());
        assertEquals("0", r[0], r[2]);
        ModelIO.Loaded merged = ModelIO.load(out);
        assertEquals(base.architecture(), merged.model().architecture());
        ModelCard card = merged.card().orElseThrow();
        assertEquals(List.of(base.contentHash(), target.contentHash()), card.provenance().parents());
        assertEquals("merged", card.family());
        assertEquals(0.5, card.merge().lambda());
        assertEquals("0:0,1:1,2:2", card.merge().layerMap());
        assertEquals("weight", card.merge().aligner());
        String text = Files.readString(json);
        assertTrue(text.contains("\"method\" : \"weight\"") && text.contains(base.contentHash()), text);
        var tree = ModelIO.JSON.readTree(text);
        for (String key : List.of("objective_before", "objective_after", "sweeps", "seconds", "permutations")) {
            assertTrue(tree.path("alignment").has(key), key);
        }
        assertTrue(tree.path("alignment").path("permutations").has("b0<-t0"), text);

        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--lambda", "0",
                "--out", out.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--force"), r[2]);
        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--lambda", "0",
                "--out", out.toString(), "--force");
        assertEquals(base.contentHash(), ModelIO.load(out).model().contentHash(), "λ = 0 writes the base's weights");
    }

    @Test
    void badOptionsFailBeforeAnyWork() throws Exception {
        Path a = dir.resolve("a.safetensors");
        ModelIO.save(a, Trainer.initialWeights(Architecture.mlp(784, List.of(8), 10), 1), null);
        String[] r = run("merge", "--base", a.toString(), "--target", a.toString(), "--lambda", "1.5", "--out", dir.resolve("m.safetensors").toString());
        assertEquals("2", r[0], "a bad option value is a usage error");
        assertTrue(r[2].contains("--lambda must be in [0, 1]"), r[2]);
        assertEquals("", r[1], "nothing was aligned or printed");
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--json", dir.resolve("no/such/r.json").toString());
        assertTrue(r[2].contains("does not exist"), r[2]);
        // issue 16, item 8: a trailing comma is refused; an unknown dataset is refused before the alignment is printed
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--map", "0:0,");
        assertEquals("2", r[0]);
        assertEquals("mal: --map 0:0,: layer map entry '' is not base:target, e.g. 0:0,1:2 (see 'mal merge --help')", r[2].strip());
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--eval", "cifar");
        assertEquals("2", r[0]);
        assertEquals("", r[1], "nothing was aligned or printed");
        assertEquals("mal: --eval: unknown dataset 'cifar'; known: mnist, fashion-mnist (see 'mal merge --help')", r[2].strip());
    }

    @Test
    void modelsCanBeNamedByZooId() throws Exception {
        Path zoo = Files.createDirectories(dir.resolve("zoo"));
        ModelIO.save(zoo.resolve("x.safetensors"), Trainer.initialWeights(Architecture.mlp(784, List.of(8), 10), 1), null);
        ModelIO.save(zoo.resolve("y.safetensors"), Trainer.initialWeights(Architecture.mlp(784, List.of(6), 10), 2), null);
        String[] r = run("merge", "--base", "x", "--target", "y", "--zoo", zoo.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("layer 0 <- layer 0"), r[1]);
        r = run("merge", "--base", "nope", "--target", "y", "--zoo", zoo.toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("no model 'nope'"), r[2]);
    }

    @Test
    void badMapsAreNamed() throws Exception {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        ModelIO.save(a, Trainer.initialWeights(Architecture.mlp(784, List.of(16, 8), 10), 1), null);
        ModelIO.save(b, Trainer.initialWeights(Architecture.mlp(784, List.of(12), 10), 2), null);
        String[] r = run("merge", "--base", a.toString(), "--target", b.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("map 0:0,2:1"), "without --map, hidden layers of equal index and output to output: " + r[1]);
        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--map", "1:5");
        assertTrue(r[2].contains("target layer 5 does not exist"), r[2]);
        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--map", "1:1,2:1");
        assertEquals("0", r[0], r[2]);
        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--map", "0:0", "--aligner", "magic");
        assertTrue(r[2].contains("choose weight, activation, zip or naive"), r[2]);
    }

    /** A small random "mnist" in IDX files, enough for NP Merge to learn on (the test sets only report). */
    static Path syntheticMnist(Path root) throws Exception {
        Path d = Files.createDirectories(root.resolve("mnist"));
        java.util.Random r = new java.util.Random(5);
        for (String[] f : new String[][] {{DataDir.TRAIN_IMAGES, DataDir.TRAIN_LABELS, "200"}, {DataDir.TEST_IMAGES, DataDir.TEST_LABELS, "60"}}) {
            int n = Integer.parseInt(f[2]);
            byte[] pixels = new byte[n * 784];
            r.nextBytes(pixels);
            byte[] labels = new byte[n];
            for (int k = 0; k < n; k++) labels[k] = (byte) (k % 10);
            Idx.writeUnsignedBytes(d.resolve(f[0]), new int[] {n, 28, 28}, pixels, true);
            Idx.writeUnsignedBytes(d.resolve(f[1]), new int[] {n}, labels, true);
        }
        return root;
    }

    /** Issue 15, bug 2: {@code ./mal merge} learned one α per parameter unless told, a search one per unit. */
    @Test
    void npMergeLearnsOneCoefficientPerUnitUnlessToldAsInASearch() throws Exception {
        Path data = syntheticMnist(dir.resolve("data"));
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        ModelIO.save(a, Trainer.initialWeights(Architecture.mlp(784, List.of(8), 10), 1), null);
        ModelIO.save(b, Trainer.initialWeights(Architecture.mlp(784, List.of(8), 10), 2), null);
        String[] r = run("merge", "--base", a.toString(), "--target", b.toString(), "--merger", "np", "--eval", "mnist", "--data",
                data.toString(), "--np-epochs", "1", "--np-rows", "100", "--grid", "3");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("NP Merge (unit, 18 coefficients)"), "one α per output unit of both layers (8 + 10): " + r[1]);
        r = run("merge", "--base", a.toString(), "--target", b.toString(), "--merger", "np", "--eval", "mnist", "--data",
                data.toString(), "--np-epochs", "1", "--np-rows", "100", "--grid", "3", "--np-granularity", "parameter");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("NP Merge (parameter, 6370 coefficients)"), "784·8 + 8 + 8·10 + 10 = 6370: " + r[1]);
    }

    /** An option of a method other than the chosen one would do nothing: it is refused, naming the option. */
    @Test
    void optionsOfAnotherMethodAreRefusedAndBadValuesNameTheirOption() throws Exception {
        Path a = dir.resolve("a.safetensors");
        ModelIO.save(a, Trainer.initialWeights(Architecture.mlp(784, List.of(8), 10), 1), null);
        String[] r = run("merge", "--base", a.toString(), "--target", a.toString(), "--np-granularity", "unit");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--np-granularity") && r[2].contains("--merger np"), r[2]);
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--aligner", "naive", "--max-sweeps", "5");
        assertTrue(r[2].contains("--max-sweeps applies to --aligner weight"), r[2]);
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--merger", "np", "--eval", "mnist", "--np-granularity", "layer");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--np-granularity") && r[2].contains("unit or parameter"), r[2]);
        r = run("merge", "--base", a.toString(), "--target", a.toString(), "--merger", "np", "--repair", "--eval", "mnist");
        assertTrue(r[2].contains("--repair and --repair-rows apply to --merger convex"), r[2]);
    }

    /** Issue 17: several targets with the convex merger make a uniform soup, reported with and without REPAIR and against the ensemble. */
    @Test
    void aSoupOfSeveralTargetsIsReportedNextToEveryModelAndTheEnsemble() throws Exception {
        Path data = syntheticMnist(dir.resolve("data"));
        List<String> files = new java.util.ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Path f = dir.resolve("m" + k + ".safetensors");
            ModelIO.save(f, Trainer.initialWeights(Architecture.mlp(784, List.of(8 + 2 * k), 10), 10 + k), null);
            files.add(f.toString());
        }
        Path out = dir.resolve("soup.safetensors");
        String[] r = run("merge", "--base", files.get(0), "--target", files.get(1) + "," + files.get(2), "--eval", "mnist", "--data",
                data.toString(), "--repair", "--repair-rows", "100", "--out", out.toString());
        assertEquals("0", r[0], r[2]);
        for (String line : List.of("a uniform soup of 3 models", "soup + REPAIR", "ensemble (upper bound)", "best single model",
                "McNemar exact p")) {
            assertTrue(r[1].contains(line), line + " in " + r[1]);
        }
        ModelIO.Loaded written = ModelIO.load(out);
        assertEquals(Architecture.mlp(784, List.of(8), 10), written.model().architecture(), "the soup has the base's architecture");
        assertEquals(3, written.card().orElseThrow().provenance().parents().size());
    }
}
