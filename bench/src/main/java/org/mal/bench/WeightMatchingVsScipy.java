package org.mal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.align.Alignment;
import org.mal.core.align.LayerMap;
import org.mal.core.align.UnitMatch;
import org.mal.core.align.WeightMatching;
import org.mal.core.model.Model;
import org.mal.core.model.ModelIO;

/**
 * Full weight matching of two MLPs of equal widths, {@link WeightMatching#align} with the identity
 * layer map, next to a NumPy/SciPy implementation of the same loop ({@code
 * bench/scripts/weight_matching_reference.py}), in one run (issue 3's benchmark).
 *
 * <p>Both sides compute the same float64 score matrices, solve them with their own assignment
 * solver (ours: {@code LinearAssignment}, warm-started; theirs: {@code linear_sum_assignment}), take
 * a new permutation only when it gains more than {@code 1e-12}, and visit the free groups in the same
 * order: the script reproduces {@code java.util.SplittableRandom(seed)} bit for bit. So both should
 * reach the same permutations and objective in the same number of sweeps; the table says whether
 * they did (objectives within {@code 1e-6} relative, and a checksum {@code Σ p·P[p]} of every hidden
 * permutation).
 *
 * <p>Usage (from the repository root, after {@code mvn -pl bench -am package}):
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.mal.bench.WeightMatchingVsScipy BASE.safetensors TARGET.safetensors \
 *     [--repeats 5] [--warmup 2] [--seed 0] [--python python3] [--script bench/scripts/weight_matching_reference.py]
 * </pre>
 * Times are wall-clock medians of {@code --repeats} complete alignments (both objectives included,
 * model loading not) after {@code --warmup} untimed ones on each side.
 */
public final class WeightMatchingVsScipy {
    private WeightMatchingVsScipy() {}

    private record Side(double medianSeconds, double minSeconds, double objectiveBefore, double objectiveAfter,
                        int sweeps, Map<Integer, Long> checksums) {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = new LinkedHashMap<>(Map.of(
                "--repeats", "5", "--warmup", "2", "--seed", "0",
                "--python", "python3", "--script", "bench/scripts/weight_matching_reference.py"));
        List<String> files = new ArrayList<>();
        for (int k = 0; k < args.length; k++) {
            if (args[k].startsWith("--")) {
                if (!options.containsKey(args[k]) || k + 1 >= args.length) {
                    throw new IllegalArgumentException("usage: WeightMatchingVsScipy BASE TARGET [" + String.join(" N] [", options.keySet())
                            + " N]; got " + args[k]);
                }
                options.put(args[k], args[++k]);
            } else {
                files.add(args[k]);
            }
        }
        if (files.size() != 2) throw new IllegalArgumentException("usage: WeightMatchingVsScipy BASE TARGET [options]; got " + files);
        Path basePath = Path.of(files.get(0));
        Path targetPath = Path.of(files.get(1));
        int repeats = Integer.parseInt(options.get("--repeats"));
        int warmup = Integer.parseInt(options.get("--warmup"));
        long seed = Long.parseLong(options.get("--seed"));
        Path script = Path.of(options.get("--script"));
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1");
        if (!Files.isRegularFile(script)) throw new IllegalArgumentException("no reference script at " + script.toAbsolutePath());

        String command = System.getenv("MAL_BENCH_COMMAND");
        if (command == null || command.isBlank()) {
            String omp = System.getenv("OMP_WAIT_POLICY");
            command = (omp == null ? "" : "OMP_WAIT_POLICY=" + omp + " ")
                    + "java -cp \"bench/target/classes:$(cat bench/target/classpath.txt)\" " + WeightMatchingVsScipy.class.getName()
                    + " " + String.join(" ", args);
        }
        ZonedDateTime started = ZonedDateTime.now();

        Model base = ModelIO.load(basePath).model();
        Model target = ModelIO.load(targetPath).model();
        if (base.architecture().depth() != target.architecture().depth()) {
            throw new IllegalArgumentException("the models differ in depth: " + base.architecture().describe() + " vs "
                    + target.architecture().describe());
        }
        LayerMap map = LayerMap.identity(base.architecture().depth());
        WeightMatching.Settings settings = new WeightMatching.Settings(100, seed);

        Side ours = timeOurs(base, target, map, settings, warmup, repeats);
        List<String> pythonCommand = List.of(options.get("--python"), script.toString(), basePath.toString(), targetPath.toString(),
                "--repeats", Integer.toString(repeats), "--warmup", Integer.toString(Math.max(1, warmup)),
                "--seed", Long.toString(seed));
        JsonNode ref = runScipy(pythonCommand);
        Map<Integer, Long> refChecksums = new HashMap<>();
        ref.get("perm_checksums").fields().forEachRemaining(e -> refChecksums.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
        Side scipy = new Side(ref.get("seconds").asDouble(),
                min(ref.get("seconds_all")), ref.get("objective_before").asDouble(), ref.get("objective_after").asDouble(),
                ref.get("sweeps").asInt(), refChecksums);

        double relBefore = relDiff(ours.objectiveBefore(), scipy.objectiveBefore());
        double relAfter = relDiff(ours.objectiveAfter(), scipy.objectiveAfter());
        boolean samePerms = ours.checksums().equals(scipy.checksums());

        StringBuilder md = new StringBuilder();
        md.append("## Weight matching: MAL vs NumPy/SciPy (same loop, same visiting order)\n\n");
        md.append("- Date: ").append(started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- Platform: ").append(Platform.describe()).append('\n');
        md.append("- Code: ").append(Platform.codeVersion()).append('\n');
        md.append("- Reference: python ").append(ref.path("python").asText()).append(", numpy ").append(ref.path("numpy").asText())
                .append(", scipy ").append(ref.path("scipy").asText()).append('\n');
        md.append("- Models: ").append(basePath).append(" (base, ").append(base.architecture().describe()).append(") <- ")
                .append(targetPath).append(" (target)\n");
        md.append("- Layer map ").append(map).append(", seed ").append(seed).append(", max 100 sweeps; median of ").append(repeats)
                .append(" alignments after ").append(warmup).append(" warm-up (scipy: ").append(Math.max(1, warmup)).append(")\n");
        md.append("- Command: `").append(command).append("`\n");
        md.append("- Reference command (run by it): `").append(String.join(" ", pythonCommand)).append("`\n\n");
        md.append("| | MAL WeightMatching | NumPy/SciPy | scipy / MAL |\n");
        md.append("| --- | ---: | ---: | ---: |\n");
        md.append(String.format(Locale.ROOT, "| median seconds | %.3f | %.3f | %.2f |%n",
                ours.medianSeconds(), scipy.medianSeconds(), scipy.medianSeconds() / ours.medianSeconds()));
        md.append(String.format(Locale.ROOT, "| min seconds | %.3f | %.3f | %.2f |%n",
                ours.minSeconds(), scipy.minSeconds(), scipy.minSeconds() / ours.minSeconds()));
        md.append(String.format(Locale.ROOT, "| objective before | %.9f | %.9f | rel. diff %.1e |%n",
                ours.objectiveBefore(), scipy.objectiveBefore(), relBefore));
        md.append(String.format(Locale.ROOT, "| objective after | %.9f | %.9f | rel. diff %.1e |%n",
                ours.objectiveAfter(), scipy.objectiveAfter(), relAfter));
        md.append(String.format(Locale.ROOT, "| sweeps | %d | %d | |%n", ours.sweeps(), scipy.sweeps()));
        md.append(String.format(Locale.ROOT, "| permutation checksums | %s | %s | %s |%n",
                ours.checksums(), scipy.checksums(), samePerms ? "identical" : "DIFFER"));
        md.append('\n');
        md.append(String.format(Locale.ROOT, "Same objective (1e-6 relative): %s. Scipy run split (last run): %.3f s score matrices,"
                        + " %.3f s linear_sum_assignment; visiting orders %s.%n",
                relAfter <= 1e-6 ? "yes" : "NO", ref.path("score_seconds_last").asDouble(), ref.path("lap_seconds_last").asDouble(),
                ref.path("orders")));
        System.out.print(md);
    }

    private static Side timeOurs(Model base, Model target, LayerMap map, WeightMatching.Settings settings, int warmup, int repeats) {
        for (int k = 0; k < warmup; k++) WeightMatching.align(base, target, map, settings);
        double[] seconds = new double[repeats];
        Alignment a = null;
        for (int k = 0; k < repeats; k++) {
            long start = System.nanoTime();
            a = WeightMatching.align(base, target, map, settings);
            seconds[k] = (System.nanoTime() - start) / 1e9;
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        Map<Integer, Long> checksums = new HashMap<>();
        int depth = base.architecture().depth();
        for (UnitMatch m : a.matches()) {
            if (m.baseGroup() < 0 || m.baseGroup() >= depth - 1) continue;
            int[] p = m.targetForBase();
            long c = 0;
            for (int i = 0; i < p.length; i++) c += (long) i * p[i];
            checksums.put(m.baseGroup(), c);
        }
        return new Side(median(sorted), sorted[0], a.objectiveBefore(), a.objectiveAfter(), a.sweeps(), checksums);
    }

    /** Runs the reference script and parses the JSON object it prints last. */
    private static JsonNode runScipy(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            out = buffer.toString(StandardCharsets.UTF_8);
        }
        int exit = p.waitFor();
        if (exit != 0) throw new IOException(String.join(" ", command) + " exited with " + exit + "; output: " + out);
        String[] lines = out.strip().split("\n");
        return ModelIO.JSON.readTree(lines[lines.length - 1]);
    }

    private static double median(double[] sorted) { return Median.of(sorted); }

    private static double min(JsonNode values) {
        double m = Double.POSITIVE_INFINITY;
        for (JsonNode v : values) m = Math.min(m, v.asDouble());
        return m;
    }

    private static double relDiff(double a, double b) {
        return Math.abs(a - b) / Math.max(1e-300, Math.max(Math.abs(a), Math.abs(b)));
    }
}
