package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.mal.core.model.Architecture;
import org.mal.core.model.Model;
import org.mal.core.model.ModelCard;
import org.mal.core.model.ModelIO;
import org.mal.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@code ./mal zoo import} on the command line: what it prints, what it refuses. */
class ZooImportCommandTest {
    @TempDir Path dir;

    private Path torchFile(String name, long seed) throws Exception {
        Model m = Trainer.initialWeights(Architecture.mlp(784, List.of(16, 8), 10), seed);
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("level1.1.weight", m.weight(0));
        t.put("level1.1.bias", m.bias(0));
        t.put("level2.1.weight", m.weight(1));
        t.put("level2.1.bias", m.bias(1));
        t.put("head.weight", m.weight(2));
        Path file = dir.resolve(name + ".safetensors");
        Safetensors.write(file, t, Map.of());
        return file;
    }

    @Test
    void importsNestedFilesWithCardsThatZooListShowsAndRefusesToOverwrite() throws Exception {
        Path data = MergeCommandTest.syntheticMnist(dir.resolve("data"));
        Path a = torchFile("a", 1);
        Path b = torchFile("b", 2);
        Path zoo = dir.resolve("zoo");
        CliRun r = CliRun.of("zoo", "import", a.toString(), b.toString(), "--zoo", zoo.toString(), "--task", "mnist", "--id", "x,y",
                "--input-mean", "0.1307", "--input-std", "0.3081", "--data", data.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("imported " + a + " as x (784-16-8-10)"), r.out());
        assertTrue(r.out().contains("dense layers level1.1 -> level2.1 -> head"), r.out());
        assertTrue(r.out().contains("no bias for head.weight"), r.out());
        assertTrue(r.out().contains("on the 60 rows of mnist/test"), r.out());
        ModelCard card = ModelIO.readCard(zoo.resolve("y.safetensors")).orElseThrow();
        assertEquals("mnist", card.dataset().task());
        assertEquals(0.3081, card.imported().inputStd());
        assertEquals("b.safetensors", card.imported().source());

        CliRun list = CliRun.of("zoo", "list", "--zoo", zoo.toString());
        assertEquals(0, list.exitCode(), list.out() + list.err());
        assertTrue(list.out().contains("2 models (2 ok, weights checked)"), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("x ") && l.contains("imported") && l.contains("mnist")), list.out());

        byte[] before = Files.readAllBytes(zoo.resolve("x.safetensors"));
        CliRun again = CliRun.of("zoo", "import", b.toString(), "--zoo", zoo.toString(), "--task", "mnist", "--id", "x", "--data", data.toString());
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("already has a model 'x'") && again.err().contains("--force"), again.err());
        assertEquals(1, again.err().strip().lines().count(), again.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(zoo.resolve("x.safetensors"))), "the stored model is kept");
        CliRun forced = CliRun.of("zoo", "import", b.toString(), "--zoo", zoo.toString(), "--task", "mnist", "--id", "x", "--force",
                "--data", data.toString());
        assertEquals(0, forced.exitCode(), forced.err());
        assertTrue(forced.out().contains("inputs: taken as trained on inputs in [0, 1]"), forced.out());
    }

    @Test
    void badOptionsAreUsageErrorsBeforeAnythingIsWritten() throws Exception {
        Path a = torchFile("a", 1);
        String zoo = dir.resolve("zoo").toString();
        CliRun r = CliRun.of("zoo", "import", a.toString(), "--zoo", zoo, "--task", "cifar");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown task 'cifar'"), r.err());
        r = CliRun.of("zoo", "import", a.toString(), "--zoo", zoo, "--task", "mnist", "--input-mean", "0.1");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--input-mean and --input-std go together"), r.err());
        r = CliRun.of("zoo", "import", a.toString(), "--zoo", zoo, "--task", "mnist", "--input-mean", "0.1", "--input-std", "0");
        assertTrue(r.err().contains("std must be a positive"), r.err());
        r = CliRun.of("zoo", "import", a.toString(), "--zoo", zoo, "--task", "mnist", "--id", "p,q");
        assertTrue(r.err().contains("--id gives 2 id(s) for 1 file(s)"), r.err());
        assertFalse(Files.exists(dir.resolve("zoo")));
    }
}
