package org.mal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import org.mal.core.Median;
import org.mal.core.Platform;
import org.mal.core.model.Architecture;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link InferenceBench} and {@link TrainingBench} through the JMH Runner API (one fork per
 * benchmark and parameter set) and prints a Markdown report: samples/s and GFLOP/s of the forward
 * pass next to a plain ND4J gemm of the same shapes, and training samples/s and steps/s. Every
 * derived number comes from the median of the measurement iterations; JMH's score ± error (99.9%
 * interval of the mean) is listed alongside.
 *
 * <p>Usage: {@code bench/run [--quick]}. {@code --quick} is a smoke test of well under a minute;
 * its numbers are not worth reporting. The report is also written to {@code
 * <mal.bench.outDir>/bench-report-<full or quick>.md} (default {@code bench/target}) with JMH's JSON results next
 * to it.
 */
public final class Report {
    private static final String FORK_HEAP = "-Xmx2g";
    private static final List<String> THREAD_ENV = List.of("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OPENBLAS_NUM_THREADS");

    /** Iteration counts and times of one run. */
    private record Plan(String name, int infWarmup, TimeValue infWarmupTime, int infMeasure, TimeValue infMeasureTime,
                        int trainWarmup, int trainMeasure) {
        String describe() {
            return String.format(Locale.ROOT,
                    "%s: 1 fork per benchmark and parameter set; inference %d warm-up x %s + %d measured x %s iterations (AverageTime);"
                            + " training %d warm-up + %d measured epochs (SingleShotTime)",
                    name, infWarmup, infWarmupTime, infMeasure, infMeasureTime, trainWarmup, trainMeasure);
        }
    }

    private static final Plan FULL = new Plan("full", 5, TimeValue.seconds(1), 15, TimeValue.seconds(1), 4, 10);
    private static final Plan QUICK = new Plan("quick", 1, TimeValue.milliseconds(300), 2, TimeValue.milliseconds(300), 1, 2);

    private Report() {}

    public static void main(String[] args) throws RunnerException, IOException {
        Plan plan = FULL;
        for (String a : args) {
            switch (a) {
                case "--quick" -> plan = QUICK;
                case "-h", "--help" -> {
                    System.out.println("usage: bench/run [--quick]");
                    return;
                }
                default -> {
                    System.err.println("unknown argument: " + a + "\nusage: bench/run [--quick]");
                    System.exit(2);
                }
            }
        }
        String command = System.getenv("MAL_BENCH_COMMAND");
        if (command == null || command.isBlank()) command = "java org.mal.bench.Report " + String.join(" ", args);
        Path outDir = Path.of(System.getProperty("mal.bench.outDir", "bench/target"));
        Files.createDirectories(outDir);

        ZonedDateTime started = ZonedDateTime.now();
        long t0 = System.nanoTime();

        Collection<RunResult> inference = new Runner(options(plan, InferenceBench.class, outDir)
                .warmupIterations(plan.infWarmup()).warmupTime(plan.infWarmupTime())
                .measurementIterations(plan.infMeasure()).measurementTime(plan.infMeasureTime())
                .build()).run();
        Collection<RunResult> training = new Runner(options(plan, TrainingBench.class, outDir)
                .warmupIterations(plan.trainWarmup())
                .measurementIterations(plan.trainMeasure())
                .build()).run();

        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        String report = render(plan, command, started, took, inference, training);
        System.out.println();
        System.out.println(report);
        Path file = outDir.resolve("bench-report-" + plan.name() + ".md");
        Files.writeString(file, report);
        System.out.println("(written to " + file + ")");
    }

    private static ChainedOptionsBuilder options(Plan plan, Class<?> benchClass, Path outDir) {
        return new OptionsBuilder()
                .include("^" + Pattern.quote(benchClass.getName()) + "\\.")
                .forks(1)
                .jvmArgs(FORK_HEAP)
                .shouldFailOnError(true)
                .result(outDir.resolve("jmh-" + benchClass.getSimpleName() + "-" + plan.name() + ".json").toString())
                .resultFormat(ResultFormatType.JSON);
    }

    // ------------------------------------------------------------------------------------------
    // report

    /** Median, min, max of one benchmark's measurement iterations, in the benchmark's score unit. */
    private record Stats(RunResult run, double median, double min, double max, int n) {
        static Stats of(RunResult r) {
            List<Double> scores = new ArrayList<>();
            for (BenchmarkResult br : r.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) scores.add(ir.getPrimaryResult().getScore());
            }
            double[] s = scores.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            if (s.length == 0) return new Stats(r, Double.NaN, Double.NaN, Double.NaN, 0);
            double median = Median.of(s);
            return new Stats(r, median, s[0], s[s.length - 1], s.length);
        }

        String method() { return run.getParams().getBenchmark().substring(run.getParams().getBenchmark().lastIndexOf('.') + 1); }
        String param(String name) { return run.getParams().getParam(name); }
        String unit() { return run.getPrimaryResult().getScoreUnit(); }
        double score() { return run.getPrimaryResult().getScore(); }
        double error() { return run.getPrimaryResult().getScoreError(); }
        /** Median seconds per call; the benchmarks report ms/op. */
        double medianSeconds() {
            if (!unit().startsWith("ms/")) throw new IllegalStateException("expected ms/op, got " + unit());
            return median / 1e3;
        }
    }

    private static String render(Plan plan, String command, ZonedDateTime started, Duration took,
                                 Collection<RunResult> inference, Collection<RunResult> training) {
        StringBuilder md = new StringBuilder();
        md.append("## MAL benchmark: inference and training throughput\n\n");
        md.append("- Date: ").append(started.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- Platform: ").append(Platform.describe()).append('\n');
        md.append("- Code: ").append(Platform.codeVersion()).append('\n');
        md.append("- ND4J: ").append(nd4jInfo()).append('\n');
        md.append("- Command: `").append(command).append("`\n");
        md.append("- Plan: ").append(plan.describe()).append("; forked JVMs run with `").append(FORK_HEAP).append("`\n");
        md.append("- Total JMH run time: ").append(formatDuration(took)).append('\n');
        md.append("- Derived numbers use the median of the measurement iterations; GFLOP/s = 2 * macsPerSample * batch / time"
                + " (matrix-product flops only)\n\n");

        List<Stats> inf = inference.stream().map(Stats::of).sorted(Comparator
                .comparing((Stats s) -> InferenceBench.parseArch(s.param("arch")).macsPerSample())
                .thenComparingInt(s -> Integer.parseInt(s.param("batch")))
                .thenComparing(Stats::method)).toList();

        md.append("### Batched inference (`Model.logits` vs plain `Nd4j.gemm` of the same layer shapes)\n\n");
        md.append("| arch | batch | forward ms (median) | forward samples/s | forward GFLOP/s | plainGemm ms (median) | plainGemm GFLOP/s | time forward/plainGemm |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> seen = new ArrayList<>();
        for (Stats s : inf) {
            String key = s.param("arch") + "@" + s.param("batch");
            if (seen.contains(key)) continue;
            seen.add(key);
            Stats fwd = find(inf, "forward", s.param("arch"), s.param("batch"));
            Stats gemm = find(inf, "plainGemm", s.param("arch"), s.param("batch"));
            Architecture arch = InferenceBench.parseArch(s.param("arch"));
            int batch = Integer.parseInt(s.param("batch"));
            double flops = 2.0 * arch.macsPerSample() * batch;
            md.append("| ").append(arch.describe()).append(" | ").append(batch);
            if (fwd != null) {
                double t = fwd.medianSeconds();
                md.append(" | ").append(f3(fwd.median)).append(" | ").append(f0(batch / t)).append(" | ").append(f1(flops / t / 1e9));
            } else {
                md.append(" | – | – | –");
            }
            if (gemm != null) {
                double t = gemm.medianSeconds();
                md.append(" | ").append(f3(gemm.median)).append(" | ").append(f1(flops / t / 1e9));
            } else {
                md.append(" | – | –");
            }
            md.append(" | ").append(fwd != null && gemm != null ? f2(fwd.median / gemm.median) : "–").append(" |\n");
        }
        md.append('\n');

        List<Stats> tr = training.stream().map(Stats::of).toList();
        md.append("### Training (`Trainer.train`, Adam lr 1e-3, 1 epoch per call, synthetic ").append(TrainingBench.ROWS)
                .append(" x ").append(TrainingBench.FEATURES).append(", ").append(TrainingBench.CLASSES).append(" classes)\n\n");
        md.append("| arch | batch | steps/epoch | epoch ms (median) | samples/s | steps/s |\n");
        md.append("|---|---:|---:|---:|---:|---:|\n");
        for (Stats s : tr) {
            double t = s.medianSeconds();
            md.append("| ").append(TrainingBench.ARCH).append(" | ").append(TrainingBench.BATCH).append(" | ")
                    .append(TrainingBench.STEPS).append(" | ").append(f1(s.median)).append(" | ")
                    .append(f0(TrainingBench.ROWS / t)).append(" | ").append(f1(TrainingBench.STEPS / t)).append(" |\n");
        }
        md.append("\nEpoch time includes building the SameDiff graph and its gradients, the weight snapshot and the 2,000-row"
                + " monitor evaluation that `Trainer.train` does after each epoch.\n\n");

        md.append("### Raw JMH results\n\n");
        md.append("| benchmark | arch | batch | mode | iterations | score ± error (JMH) | median | min | max | unit |\n");
        md.append("|---|---|---:|---|---:|---:|---:|---:|---:|---|\n");
        List<Stats> all = new ArrayList<>(inf);
        all.addAll(tr);
        for (Stats s : all) {
            String arch = s.param("arch") != null ? s.param("arch") : TrainingBench.ARCH;
            String batch = s.param("batch") != null ? s.param("batch") : String.valueOf(TrainingBench.BATCH);
            md.append("| ").append(simpleName(s.run.getParams().getBenchmark())).append(" | ").append(arch).append(" | ").append(batch)
                    .append(" | ").append(s.run.getParams().getMode().shortLabel()).append(" | ").append(s.n)
                    .append(" | ").append(f3(s.score())).append(" ± ").append(Double.isNaN(s.error()) ? "NaN" : f3(s.error()))
                    .append(" | ").append(f3(s.median)).append(" | ").append(f3(s.min)).append(" | ").append(f3(s.max))
                    .append(" | ").append(s.unit()).append(" |\n");
        }
        return md.toString();
    }

    private static Stats find(List<Stats> all, String method, String arch, String batch) {
        for (Stats s : all) {
            if (s.method().equals(method) && arch.equals(s.param("arch")) && batch.equals(s.param("batch"))) return s;
        }
        return null;
    }

    private static String simpleName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    /** Backend details as ND4J reports them in this (host) JVM; the forks use the same libraries and environment. */
    private static String nd4jInfo() {
        try {
            Properties p = org.nd4j.linalg.factory.Nd4j.getExecutioner().getEnvironmentInformation();
            List<String> parts = new ArrayList<>();
            for (String key : Arrays.asList("backend", "blas.vendor", "omp.threads", "cores")) {
                Object v = p.get(key);
                if (v != null) parts.add(key + "=" + v);
            }
            // threading knobs the forks inherit: libnd4j's OpenMP threads busy-wait by default and compete with
            // OpenBLAS's threads on few cores, which slows Model.logits several-fold (OMP_WAIT_POLICY=PASSIVE avoids it)
            for (String var : THREAD_ENV) {
                String v = System.getenv(var);
                parts.add(var + "=" + (v == null ? "(unset)" : v));
            }
            return String.join(", ", parts);
        } catch (RuntimeException | LinkageError e) {
            return "unavailable (" + e + ")";
        }
    }

    private static String formatDuration(Duration d) {
        long s = d.toSeconds();
        return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }

    private static String f0(double v) { return String.format(Locale.ROOT, "%,.0f", v); }
    private static String f1(double v) { return String.format(Locale.ROOT, "%.1f", v); }
    private static String f2(double v) { return String.format(Locale.ROOT, "%.2f", v); }
    private static String f3(double v) { return String.format(Locale.ROOT, "%.3f", v); }
}
