package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.Architecture;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;

class MainTest {
    @TempDir Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void everyCommandHasHelp() {
        for (List<String> command : List.<List<String>>of(List.of(), List.of("data"), List.of("data", "fetch"), List.of("zoo"),
                List.of("zoo", "train"), List.of("zoo", "list"), List.of("train"), List.of("demo"), List.of("merge"), List.of("laws-check"), List.of("learning-check"))) {
            String[] args = command.toArray(new String[0]);
            String[] withHelp = java.util.stream.Stream.concat(command.stream(), java.util.stream.Stream.of("--help")).toArray(String[]::new);
            CliRun r = run(withHelp);
            assertEquals(0, r.exitCode(), String.join(" ", args));
            assertTrue(r.out().startsWith("Usage: mal"), r.out());
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliRun r = run("bogus");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Unmatched argument"), r.err());
        assertEquals(2, run("zoo", "train").exitCode(), "--conf is required");
    }

    /** Issue 16, item 8: a bad option value was answered with 91 lines of usage. */
    @Test
    void aBadOptionValuePrintsOneLinePointingToHelp() {
        CliRun r = run("merge", "--base", "a", "--target", "b", "--grid", "many");
        assertEquals(2, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("mal: ") && r.err().strip().endsWith("(see 'mal merge --help')"), r.err());
        assertTrue(r.err().contains("--grid") && r.err().contains("many"), r.err());
        CliRun unknown = run("zoo", "list", "--bogus");
        assertEquals(2, unknown.exitCode());
        assertEquals("mal: Unknown option: '--bogus' (see 'mal zoo list --help')", unknown.err().strip());
    }

    @Test
    void failuresPrintOneLineAndExitWithOne() {
        CliRun r = run("zoo", "train", "--conf", dir.resolve("missing.conf").toString());
        assertEquals(1, r.exitCode());
        assertEquals("mal: config file " + dir.resolve("missing.conf") + " does not exist", r.err().strip());
        CliRun verbose = run("zoo", "train", "--conf", dir.resolve("missing.conf").toString(), "--verbose");
        assertTrue(verbose.err().contains("\tat "), "--verbose adds the stack trace");
    }

    @Test
    void badConfigNamesTheKey() throws IOException {
        Path conf = dir.resolve("z.conf");
        Files.writeString(conf, "zoo { name = x }");
        CliRun r = run("zoo", "train", "--conf", conf.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("mal: ") && r.err().contains("zoo.families"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void zooListPrintsATable() throws IOException {
        Path zoo = Files.createDirectories(dir.resolve("zoo"));
        ModelIO.save(zoo.resolve("imported.safetensors"), Trainer.initialWeights(Architecture.mlp(784, List.of(32, 16), 10), 1), null);
        Files.writeString(zoo.resolve("broken.safetensors"), "garbage");
        CliRun r = run("zoo", "list", "--zoo", zoo.toString());
        assertEquals(1, r.exitCode(), "an unreadable entry makes the listing fail");
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("id") && lines.get(0).contains("status") && lines.get(0).contains("test acc"), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("broken ") && l.contains("unreadable")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("imported ") && l.contains(" ok ") && l.contains("32-16")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("broken: ")), "the reason on its own line: " + r.out());
    }

    @Test
    void zooListChecksTheWeightsAndSaysWhyAFileIsDamaged() throws IOException {
        Path zoo = Files.createDirectories(dir.resolve("zoo"));
        var model = Trainer.initialWeights(Architecture.mlp(784, List.of(32, 16), 10), 1);
        var card = new org.mal.core.model.ModelCard("edited", model.architecture(), "pyramid", null, null, null, null, null, null,
                model.contentHash());
        ModelIO.save(zoo.resolve("edited.safetensors"), model, card);
        byte[] bytes = Files.readAllBytes(zoo.resolve("edited.safetensors"));
        bytes[bytes.length - 3] ^= 0x40;   // a weight changed, the card not: the hash no longer matches
        Files.write(zoo.resolve("edited.safetensors"), bytes);
        var params = new java.util.LinkedHashMap<>(model.params());
        var nan = model.weight(0).dup();
        nan.putScalar(0, 0, Float.NaN);
        params.put(Architecture.weightName(0), nan);
        org.mal.core.io.Safetensors.write(zoo.resolve("nan.safetensors"), params, java.util.Map.of());
        ModelIO.save(zoo.resolve("good.safetensors"), model, null);

        CliRun r = run("zoo", "list", "--zoo", zoo.toString());
        assertEquals(1, r.exitCode(), r.out());
        List<String> lines = r.out().lines().toList();
        for (String id : List.of("edited", "nan")) {
            String row = lines.stream().filter(l -> l.startsWith(id + " ")).findFirst().orElseThrow();
            assertTrue(row.contains(" damaged "), row);
            assertTrue(row.contains("32-16"), "the widths column holds widths: " + row);
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("good ") && l.contains(" ok ")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("edited: ") && l.contains("the model card says")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("nan: ") && l.contains("non-finite")), r.out());
        assertTrue(r.out().contains("3 models (1 ok, weights checked)"), r.out());

        CliRun quick = run("zoo", "list", "--zoo", zoo.toString(), "--headers-only");
        assertEquals(0, quick.exitCode(), "headers only: nothing to see in the headers");
        assertTrue(quick.out().contains("headers only"), quick.out());
    }

    @Test
    void zooListShowsEachModelsShardAndTheZooHoldout() throws IOException {
        Path zoo = Files.createDirectories(dir.resolve("zoo"));
        var m = Trainer.initialWeights(Architecture.mlp(784, List.of(128, 128), 10), 1);
        var holdout = new org.mal.core.model.ModelCard.Holdout(18, 2000, "r", "c", "t");
        java.util.function.BiFunction<String, org.mal.core.model.ModelCard.Shard, org.mal.core.model.ModelCard> card = (id, shard) ->
                new org.mal.core.model.ModelCard(id, m.architecture(), "equal",
                        new org.mal.core.model.ModelCard.DatasetRef("mnist", "mnist/train-fit", "a", "mnist/test", "b"),
                        new org.mal.core.model.Metrics(0.3, 0.9, 1350), new org.mal.core.model.Metrics(0.3, 0.9, 150),
                        new org.mal.core.model.Metrics(0.3, 0.9, 2000),
                        new org.mal.core.model.ModelCard.Recipe("adam", 1e-3, 15, 128, 1, List.of(1e-3), 0.1, 2.0),
                        new org.mal.core.model.ModelCard.Provenance(List.of(), "t", "here", "2026-12-02T00:00:00Z"),
                        m.contentHash(), null, shard, shard == null ? null
                                : holdout.withMetrics(new org.mal.core.model.Metrics(0.4, shard.iid() ? 0.8765 : 0.4321, 2000)));
        ModelIO.save(zoo.resolve("a.safetensors"), m, card.apply("a", new org.mal.core.model.ModelCard.Shard(1, 4, true, null, 18, 100, 1500, "h", List.of(150))));
        ModelIO.save(zoo.resolve("b.safetensors"), m, card.apply("b", new org.mal.core.model.ModelCard.Shard(2, 4, false, 0.5, 18, 100, 1500, "h", List.of(150))));
        ModelIO.save(zoo.resolve("c.safetensors"), m, card.apply("c", null));
        CliRun r = run("zoo", "list", "--zoo", zoo.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).contains("shard"), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("a ") && l.contains("iid 1/4") && l.contains("1500 (-2000)")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("b ") && l.contains("dir α=0.5 2/4")), r.out());
        assertTrue(lines.get(0).contains("holdout acc"), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("a ") && l.contains("87.65%")), "a's accuracy on the held-out rows: " + r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("b ") && l.contains("43.21%")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("c ") && l.contains(" all ") && l.contains(" 1500 ")),
                "a model without a shard trained on all rows (fit + validation): " + r.out());
    }

    @Test
    void trainRefusesToOverwriteWithoutForce() throws IOException {
        Path out = Files.writeString(dir.resolve("m.safetensors"), "keep me");
        CliRun r = run("train", "--dataset", "mnist", "--widths", "8", "--out", out.toString(), "--data", dir.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--force"), r.err());
        assertEquals("keep me", Files.readString(out));
    }

    @Test
    void trainOptionsAreCheckedByTheirNames() {
        CliRun r = run("train", "--dataset", "mnist", "--widths", "8", "--lr", "1e-3,0", "--out", dir.resolve("m.safetensors").toString());
        assertEquals(2, r.exitCode(), "a bad option value is a usage error");
        assertTrue(r.err().contains("--lr must be positive"), r.err());
        r = run("train", "--dataset", "mnist", "--widths", "8", "--validation", "0", "--out", dir.resolve("m.safetensors").toString());
        assertTrue(r.err().contains("--validation must be in (0, 1)"), r.err());
    }

    @Test
    void missingDataSaysHowToFetchIt() {
        CliRun r = run("train", "--dataset", "mnist", "--widths", "8", "--out", dir.resolve("m.safetensors").toString(),
                "--data", dir.resolve("nodata").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("./mal data fetch"), r.err());
    }
}
