package org.mal.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mal.core.align.LinearAssignment;
import org.mal.core.align.LinearAssignment.Goal;

/**
 * Assignment time of {@link LinearAssignment} next to {@code scipy.optimize.linear_sum_assignment} on
 * the same matrices, in one run, as a ratio (issue 3's benchmark). Both solve the square {@code n x n}
 * matrix {@code LapMatrices.generate(kind, n, n, 1 + n)}, minimising; scipy through {@code
 * bench/scripts/lap_reference.py --time}, which rebuilds the matrices bit for bit and reports its
 * optimal totals, so the table also shows that both found the same optimum.
 *
 * <p>Usage (from the repository root, after {@code mvn -pl bench -am package}):
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" org.mal.bench.LapVsScipy \
 *     [--sizes 512,1024,2048] [--repeats 5] [--kind uniform|product] [--python python3] \
 *     [--script bench/scripts/lap_reference.py]
 * </pre>
 * Times are medians of {@code --repeats} solves after JIT warm-up (our solver) or one warm-up call
 * (scipy), wall clock, single thread; matrix generation is not timed.
 */
public final class LapVsScipy {
    private LapVsScipy() {}

    private record Timing(double medianMs, double minMs, double total) {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = new HashMap<>(Map.of(
                "--sizes", "512,1024,2048", "--repeats", "5", "--kind", "uniform",
                "--python", "python3", "--script", "bench/scripts/lap_reference.py"));
        for (int k = 0; k < args.length; k++) {
            if (!options.containsKey(args[k]) || k + 1 >= args.length) {
                throw new IllegalArgumentException("usage: LapVsScipy " + String.join(" ", options.keySet()) + " (each with a value); got " + args[k]);
            }
            options.put(args[k], args[++k]);
        }
        int[] sizes = Arrays.stream(options.get("--sizes").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        int repeats = Integer.parseInt(options.get("--repeats"));
        String kind = options.get("--kind");
        Path script = Path.of(options.get("--script"));
        if (!Files.isRegularFile(script)) throw new IllegalArgumentException("no scipy script at " + script.toAbsolutePath());

        Map<Integer, Timing> scipy = runScipy(options.get("--python"), script, options.get("--sizes"), repeats, kind);
        Map<Integer, Timing> ours = new HashMap<>();
        for (int n : sizes) ours.put(n, timeOurs(kind, n, repeats));

        System.out.printf(Locale.ROOT, "Linear assignment, %s costs, minimise, median of %d (ms)%n%n", kind, repeats);
        System.out.println("| n | MAL LinearAssignment | scipy linear_sum_assignment | scipy / MAL | same optimum |");
        System.out.println("| ---: | ---: | ---: | ---: | :---: |");
        for (int n : sizes) {
            Timing a = ours.get(n);
            Timing b = scipy.get(n);
            boolean same = b != null && Math.abs(a.total() - b.total()) <= 1e-9 * Math.max(1, Math.abs(b.total()));
            System.out.printf(Locale.ROOT, "| %d | %.2f | %s | %s | %s |%n", n, a.medianMs(),
                    b == null ? "n/a" : String.format(Locale.ROOT, "%.2f", b.medianMs()),
                    b == null ? "n/a" : String.format(Locale.ROOT, "%.2f", b.medianMs() / a.medianMs()),
                    same ? "yes" : "NO");
        }
    }

    private static Timing timeOurs(String kind, int n, int repeats) {
        double[] cost = LapMatrices.generate(kind, n, n, 1L + n);
        // JIT warm-up: at least 5 solves and 2 s
        long warmUntil = System.nanoTime() + 2_000_000_000L;
        for (int k = 0; k < 5 || System.nanoTime() < warmUntil; k++) LinearAssignment.solve(cost, n, n, Goal.MINIMIZE);
        double[] ms = new double[repeats];
        double total = 0;
        for (int k = 0; k < repeats; k++) {
            long start = System.nanoTime();
            total = LinearAssignment.solve(cost, n, n, Goal.MINIMIZE).total();
            ms[k] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return new Timing(ms[repeats / 2], ms[0], total);
    }

    /** Runs the scipy timing script; one "n N median_ms X min_ms Y total Z" line per size. */
    private static Map<Integer, Timing> runScipy(String python, Path script, String sizes, int repeats, String kind)
            throws IOException, InterruptedException {
        List<String> command = List.of(python, script.toString(), "--time", "--sizes", sizes,
                "--repeats", Integer.toString(repeats), "--seed", "1", "--kind", kind);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<Integer, Timing> result = new HashMap<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
                String[] f = line.trim().split("\\s+");
                if (f.length == 8 && f[0].equals("n")) {
                    result.put(Integer.parseInt(f[1]), new Timing(Double.parseDouble(f[3]), Double.parseDouble(f[5]), Double.parseDouble(f[7])));
                }
            }
        }
        int exit = p.waitFor();
        if (exit != 0) throw new IOException(String.join(" ", command) + " exited with " + exit + "; output: " + lines);
        return result;
    }
}
