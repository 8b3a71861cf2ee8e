package org.mal.core.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.io.Safetensors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CNNs between PyTorch and MAL ({@code src/test/python/cnn_roundtrip.py} with Debian's
 * {@code /usr/bin/python3} and python3-torch): state dicts saved by PyTorch without metadata are
 * inferred and give PyTorch's logits; files MAL writes load into the same {@code nn.Sequential}
 * with {@code load_state_dict(strict=True)} and give MAL's logits.
 *
 * <p>Skipped without PyTorch on a developer's machine; under CI (environment variable {@code CI}
 * set, as {@code .ci/run} does after installing python3-torch) it fails instead.
 */
class CnnPyTorchRoundTripTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    /** float32 logits of the same net computed by two libraries (different summation orders). */
    static final double FLOAT_TOLERANCE = 1e-4;

    @TempDir static Path work;

    static boolean underCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
    }

    static boolean hasTorch() throws Exception {
        if (!Files.isExecutable(PYTHON)) return false;
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    static String python(String... args) throws Exception {
        Path script = Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve("src/test/python/cnn_roundtrip.py");
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(work, "python", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        boolean done = p.waitFor(3, TimeUnit.MINUTES);
        if (!done) p.destroyForcibly();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(done && p.exitValue() == 0, String.join(" ", command) + " failed:\n" + out);
        return out;
    }

    @BeforeAll
    static void makeNetsInPyTorch() throws Exception {
        boolean torch = hasTorch();
        if (!torch && underCi()) fail(PYTHON + " cannot import torch (CI is set: .ci/run installs python3-torch)");
        Assumptions.assumeTrue(torch, PYTHON + " cannot import torch (apt-get install python3-torch)");
        python("make", "--work", work.toString());
    }

    static INDArray inputs() throws IOException {
        return Safetensors.read(work.resolve("inputs.safetensors")).tensors().get("x");
    }

    static INDArray logitsOf(Path file) throws IOException {
        return Safetensors.read(file).tensors().get("logits");
    }

    static void assertClose(INDArray want, INDArray got, double tolerance, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double scale = Math.max(1, want.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double diff = CnnTestNets.maxAbsDiff(want, got);
        assertTrue(diff <= tolerance * scale, what + ": largest difference " + diff + " (tolerance " + tolerance * scale + ")");
    }

    @Test
    void stateDictsSavedByPyTorchAreInferredAndGivePyTorchsLogits() throws Exception {
        for (String name : List.of("plain", "pooled", "resnet")) {
            CnnIO.Loaded loaded = CnnIO.load(work.resolve(name + ".safetensors"));
            assertTrue(loaded.inferred(), name);
            assertTrue(loaded.model().params().get("1.num_batches_tracked").getLong(0) == 3, name + ": PyTorch's counter after 3 passes");
            assertClose(logitsOf(work.resolve(name + ".logits.safetensors")), loaded.model().logits(inputs()), FLOAT_TOLERANCE, name);
        }
    }

    @Test
    void filesMalWritesLoadStrictlyIntoTheSameModuleAndGiveMalsLogits() throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", "--work", work.toString(), "--model"));
        java.util.Map<Path, CnnModel> written = new java.util.LinkedHashMap<>();
        for (String name : List.of("plain", "pooled")) {
            CnnModel model = CnnIO.load(work.resolve(name + ".safetensors")).model();
            for (CnnModel m : List.of(model, model.castTo(DataType.DOUBLE))) {
                Path file = work.resolve(name + "-mal-" + m.floatType() + ".safetensors");
                CnnIO.save(file, m);
                written.put(file, m);
                args.add(name + "=" + file);
            }
        }
        python(args.toArray(String[]::new));
        written.forEach((file, m) -> {
            try {
                INDArray torch = logitsOf(Path.of(file + ".logits.safetensors"));
                assertEquals(m.floatType(), torch.dataType(), "PyTorch ran in the file's float type");
                assertClose(torch, m.logits(inputs()), m.floatType() == DataType.DOUBLE ? 1e-10 : FLOAT_TOLERANCE, file.getFileName().toString());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals(4, written.size());
    }

    @Test
    void batchNormStatisticsMeasuredOnDataMatchPyTorchsResetBnStats() throws Exception {
        for (String name : List.of("plain", "pooled", "resnet")) {
            CnnModel model = CnnIO.load(work.resolve(name + ".safetensors")).model();
            CnnModel torch = CnnIO.load(work.resolve(name + ".reset.safetensors")).model();
            CnnModel reset = BatchNormStatistics.reset(model, inputs(), 8);
            int checked = 0;
            for (String tensor : model.params().keySet()) {
                if (tensor.endsWith("running_mean") || tensor.endsWith("running_var")) {
                    assertClose(torch.params().get(tensor), reset.params().get(tensor), FLOAT_TOLERANCE, name + " " + tensor);
                    assertTrue(CnnTestNets.maxAbsDiff(model.params().get(tensor), reset.params().get(tensor)) > 1e-3, "the statistics changed");
                    checked++;
                }
            }
            assertEquals(Map.of("plain", 4, "pooled", 2, "resnet", 16).get(name), checked);
        }
    }

    @Test
    void aMergeOfTwoPyTorchNetsAndChannelPermutedCopiesGiveInPyTorchWhatMalComputes() throws Exception {
        CnnModel a = CnnIO.load(work.resolve("plain.safetensors")).model();
        CnnModel b = CnnIO.load(work.resolve("plain-b.safetensors")).model();
        CnnWeightMatching.Result r = CnnWeightMatching.align(a, b, CnnChannelMatching.Settings.DEFAULT);
        assertTrue(r.objectiveAfter() > r.objectiveBefore(), r.toString());
        CnnModel merged = CnnMerge.convex(a, b.permuted(r.perms()), 0.5);
        CnnModel permuted = a.permuted(CnnTestNets.randomPerms(a.architecture(), 3));
        CnnModel resnet = CnnIO.load(work.resolve("resnet.safetensors")).model();
        CnnModel resnetPermuted = resnet.permuted(CnnTestNets.randomPerms(resnet.architecture(), 4));
        Path mergedFile = work.resolve("merged.safetensors");
        Path permutedFile = work.resolve("permuted.safetensors");
        Path resnetFile = work.resolve("resnet-permuted.safetensors");
        CnnIO.save(mergedFile, merged);
        CnnIO.save(permutedFile, permuted);
        CnnIO.save(resnetFile, resnetPermuted);
        python("eval", "--work", work.toString(), "--model", "plain=" + mergedFile, "plain=" + permutedFile, "resnet=" + resnetFile);
        INDArray resnetInTorch = logitsOf(Path.of(resnetFile + ".logits.safetensors"));
        assertClose(resnetInTorch, resnetPermuted.logits(inputs()), FLOAT_TOLERANCE, "permuted resnet");
        assertClose(logitsOf(work.resolve("resnet.logits.safetensors")), resnetInTorch, FLOAT_TOLERANCE, "permuted resnet against the original in PyTorch");
        INDArray x = inputs();
        assertClose(logitsOf(Path.of(mergedFile + ".logits.safetensors")), merged.logits(x), FLOAT_TOLERANCE, "merge at 0.5");
        INDArray permutedInTorch = logitsOf(Path.of(permutedFile + ".logits.safetensors"));
        assertClose(permutedInTorch, permuted.logits(x), FLOAT_TOLERANCE, "permuted copy");
        assertClose(logitsOf(work.resolve("plain.logits.safetensors")), permutedInTorch, FLOAT_TOLERANCE, "permuted copy against the original in PyTorch");
    }
}
