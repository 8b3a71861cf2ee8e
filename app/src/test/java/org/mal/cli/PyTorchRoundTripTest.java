package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.data.DataDir;
import org.mal.core.model.ModelIO;

/**
 * The PyTorch round trip of the README's "Bring your own PyTorch model" ({@code src/test/python/roundtrip.py},
 * run with Debian's {@code /usr/bin/python3} and python3-torch): models trained in PyTorch are imported,
 * merged, searched and exported by the command line, and PyTorch's accuracy of what comes back equals
 * MAL's on the same rows.
 *
 * <p>It needs PyTorch and the MNIST files of {@code ./mal data fetch}. Without them it is skipped on a
 * developer's machine, but fails under CI (environment variable {@code CI} set, as {@code .ci/run}
 * does), so CI cannot pass without running it. It passes only when the script exits 0 and its last
 * line reports every check with a difference within 0.05 points.
 */
class PyTorchRoundTripTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final double TOLERANCE_POINTS = 0.05;

    @TempDir Path dir;

    static boolean underCi() {
        String ci = System.getenv("CI");
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
    }

    private static void require(boolean ok, String why) {
        if (ok) return;
        if (underCi()) fail(why + " (CI is set: the PyTorch round trip must run; .ci/run installs python3-torch and fetches the data)");
        Assumptions.assumeTrue(false, why);
    }

    private static boolean hasTorch() throws Exception {
        if (!Files.isExecutable(PYTHON)) return false;
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, numpy").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    @Test
    void modelsTrainedInPyTorchComeBackFromImportMergeAndExportWithTheAccuracyMalReports() throws Exception {
        Path module = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path data = module.getParent().resolve("data");
        require(hasTorch(), PYTHON + " cannot import torch (apt-get install python3-torch)");
        require(new DataDir(data).isPresent(DataDir.MNIST), "no MNIST in " + data + " (./mal data fetch)");

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String mal = String.join(" ", List.of(quote(java), "-Xmx2g", "-cp", quote(classpath), Main.class.getName()));
        Path script = module.resolve("src/test/python/roundtrip.py");
        Path log = dir.resolve("roundtrip.log");
        ProcessBuilder pb = new ProcessBuilder(PYTHON.toString(), script.toString(), "--data", data.toString(), "--work",
                dir.resolve("work").toString(), "--mal", mal).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        boolean done = p.waitFor(6, TimeUnit.MINUTES);
        if (!done) p.destroyForcibly();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);   // in target/surefire-reports/*-output.txt
        assertTrue(done, "the round trip took more than 6 minutes:\n" + out);
        assertEquals(0, p.exitValue(), out);

        List<String> lines = out.lines().toList();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("ROUNDTRIP OK "), "the script's last line is not its report:\n" + out);
        JsonNode results = ModelIO.JSON.readTree(last.substring("ROUNDTRIP OK ".length()));
        assertEquals(new DataDir(data).load(DataDir.MNIST).test().size(), results.get("test_rows").asInt(), "compared on every test row");
        int checks = 0;
        for (String key : List.of("import of torch-a", "import of torch-b", "merge at lambda 0.5", "without normalisation, torch-a")) {
            assertTrue(results.has(key), key + " missing from " + last);
        }
        for (var e : (Iterable<java.util.Map.Entry<String, JsonNode>>) results::fields) {
            if (!e.getValue().has("pytorch")) continue;
            double pytorch = e.getValue().get("pytorch").asDouble();
            double malAccuracy = e.getValue().get("mal").asDouble();
            assertTrue(pytorch > 50 && Math.abs(pytorch - malAccuracy) <= TOLERANCE_POINTS,
                    String.format(Locale.ROOT, "%s: PyTorch %.4f%%, MAL %.4f%%", e.getKey(), pytorch, malAccuracy));
            checks++;
        }
        assertTrue(results.path("recipe replayed bit for bit").asBoolean(), "merge --recipe gave back the export: " + last);
        assertEquals(4, checks, "import of both models, the merge and the exported assembly: " + last);
    }

    /** One shell word (the script splits --mal with shlex). */
    private static String quote(String s) {
        return "'" + s.replace("'", "'\"'\"'") + "'";
    }
}
