package org.mal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mal.actors.Search;
import org.mal.actors.Worker;
import org.mal.core.Median;
import org.mal.core.data.DataDir;
import org.mal.core.merge.Lmc;
import org.mal.engine.Outcome;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;
import org.mal.policies.Move;

/**
 * A bounded search at scale (issue 22) with the real coordinator, planner (incremental), store
 * (synced journal) and step closing (each accepted move's assembly is really merged and kept), but
 * a <b>SYNTHETIC STUB WORKER</b>: a move is not aligned, merged nor evaluated; its outcome is drawn
 * from a seed and the move (λ* = a per-target effect + a per-layer-map effect + noise, an 11-point
 * curve on the base task), so it is the same every time the move is asked (a resumed run gets the
 * same results). What it measures is the search's machinery at size: planning time per step (from
 * asking the planner to its answer, the coordinator's note), the JVM's heap after a full GC every
 * 10,000 evaluations (the coordinator's state, planner, caches: the whole process), result appends
 * per second (each evaluation is one synced journal append with its cache entry), and the CBOR bytes
 * of one move's messages.
 *
 * <p>Usage: {@code ScaleSearch start|resume ZOO_DIR WORK_DIR EVALUATIONS [MOVES_PER_STEP=100]};
 * data from {@code data/}. Run with {@code -Xmx512m} to check the bound.
 */
public final class ScaleSearch {
    private ScaleSearch() {}

    static final AtomicLong STUB_EVALUATIONS = new AtomicLong();

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        if (args.length < 4) throw new IllegalArgumentException("usage: ScaleSearch start|resume ZOO_DIR WORK_DIR EVALUATIONS [MOVES_PER_STEP=100]");
        boolean resume = args[0].equals("resume");
        if (!resume && !args[0].equals("start")) throw new IllegalArgumentException("first argument: start or resume, got " + args[0]);
        Path zoo = Path.of(args[1]).toAbsolutePath();
        Path work = Path.of(args[2]);
        int evaluations = Integer.parseInt(args[3]);
        int perStep = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        DataDir data = new DataDir(Path.of("data"));
        System.out.printf(Locale.ROOT, "SYNTHETIC STUB WORKER: outcomes are seeded draws, not merges. %s %s, %d evaluations, %d moves per step, "
                + "max heap %d MB, %d cores%n", args[0], zoo, evaluations, perStep, Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());

        List<Double> planMs = new ArrayList<>();
        Pattern planned = Pattern.compile("step (\\d+) planned: (\\d+) moves in ([0-9.]+) ms");
        PrintWriter notes = new PrintWriter(new Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public void write(char[] c, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    if (c[i] != '\n') {
                        line.append(c[i]);
                        continue;
                    }
                    Matcher m = planned.matcher(line);
                    if (m.find()) {
                        synchronized (planMs) {
                            planMs.add(Double.parseDouble(m.group(3)));
                        }
                    } else if (!line.toString().startsWith("step")) {
                        System.out.println("  note: " + line);
                    }
                    line.setLength(0);
                }
            }

            @Override public void flush() {}

            @Override public void close() {}
        }, true);
        Search.Options options = new Search.Options(notes, false, bench -> stub(), new java.util.concurrent.CompletableFuture<>());

        long t0 = System.nanoTime();
        List<String> marks = new ArrayList<>();
        Thread monitor = new Thread(() -> {
            long next = 10_000;
            long lastN = STUB_EVALUATIONS.get();
            long lastT = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                long n = STUB_EVALUATIONS.get();
                if (n >= next) {
                    System.gc();
                    System.gc();
                    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    long now = System.nanoTime();
                    double rate = (n - lastN) / ((now - lastT) / 1e9);
                    double medianPlan;
                    synchronized (planMs) {
                        medianPlan = planMs.size() > 1 ? Median.of(planMs.subList(1, planMs.size())) : Double.NaN;
                    }
                    String mark = String.format(Locale.ROOT, "| %d | %.1f | %.0f | %.0f | %.1f |", n, used / 1048576.0, (now - t0) / 1e9, rate,
                            medianPlan);
                    System.out.println(mark);
                    synchronized (marks) {
                        marks.add(mark);
                    }
                    lastN = n;
                    lastT = now;
                    next += 10_000;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-monitor");
        monitor.setDaemon(true);
        System.out.println("| evaluations in this process | heap after GC, MB | seconds | results appended/s since the last line | median planning ms so far |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: |");
        monitor.start();
        SearchState s;
        if (resume) {
            s = Search.resume(work, data::load, options);
        } else {
            SearchSettings settings = SearchSettings.from(ConfigFactory.parseString(String.format(Locale.ROOT, """
                    search {
                      zoo = "%s"
                      base = s00000
                      workers = 2
                      moves-per-step = %d
                      budget { steps = 0, evaluations = %d, patience = 0 }
                      assemblies { keep-lineage = false, keep-last = 2 }
                      model-cache-mb = 32
                      zoo-poll-seconds = 60
                    }
                    """, zoo, perStep, evaluations)));
            s = Search.start(settings, work, data::load, options);
        }
        monitor.interrupt();
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Double> plans;
        synchronized (planMs) {
            plans = new ArrayList<>(planMs);
        }
        System.out.printf(Locale.ROOT, "%nstopped: %s; step %d, %d evaluations in the run (%d in this process), %d cache hits, %d failures, %d accepted; %.0f s%n",
                s.stopped(), s.step(), s.evaluations(), STUB_EVALUATIONS.get(), s.cacheHits(), s.failures(), s.lineage().size(), seconds);
        System.out.printf(Locale.ROOT, "planning: %d plans in this process, first %.1f ms, median after the first %.1f ms, max %.1f ms%n", plans.size(),
                plans.isEmpty() ? Double.NaN : plans.get(0), plans.size() > 1 ? Median.of(plans.subList(1, plans.size())) : Double.NaN,
                plans.stream().mapToDouble(x -> x).max().orElse(Double.NaN));
        System.out.printf(Locale.ROOT, "results appended per second, whole process: %.0f (each a synced journal write with its cache entry)%n",
                STUB_EVALUATIONS.get() / seconds);
        System.out.printf(Locale.ROOT, "state kept by the coordinator: history of %d results (the current base's), lineage of %d steps%n",
                s.history().size(), s.lineage().size());
        messageSizes(work, s);
    }

    /** The stub: a seeded outcome per move, no weights read. */
    static Worker.Runner stub() {
        return item -> {
            STUB_EVALUATIONS.incrementAndGet();
            return outcome(item.move(), item.base().dataset().task());
        };
    }

    static Outcome outcome(Move m, String task) {
        SplittableRandom r = new SplittableRandom(m.canonical().hashCode() * 0x9E3779B97F4A7C15L);
        double lambdaStar = Math.max(0, Math.min(1, effect(m.target()) + effect(m.layerMap()) + 0.05 * r.nextGaussian()));
        double[] lambdas = Lmc.grid(11);
        double[] loss = new double[11];
        double[] acc = new double[11];
        for (int i = 0; i < 11; i++) {
            loss[i] = 0.3 + 0.5 * Math.max(0, lambdas[i] - lambdaStar) + 0.01 * r.nextDouble();
            acc[i] = 0.9 - 0.4 * Math.max(0, lambdas[i] - lambdaStar) - 0.01 * r.nextDouble();
        }
        Lmc.Curve c = new Lmc.Curve(loss, acc);
        double accAt = 0.9 - 0.01 * r.nextDouble();
        Lmc.Report report = new Lmc.Report(lambdas, List.of(new Lmc.TaskCurves(task, "synthetic", c, c)), 0.05, 0.1, 0.1, 0.4, 0.4, 1.0,
                lambdaStar, Map.of(task, accAt));
        return new Outcome(report, lambdaStar, loss[0], Map.of(task, accAt), "weight(synthetic stub)", 0, 0, null);
    }

    private static double effect(String key) { return new SplittableRandom(key.hashCode()).nextDouble() * 0.5; }

    /** The CBOR bytes of one move's work item and result, as Jackson writes them for Pekko (reply-to address left out). */
    static void messageSizes(Path work, SearchState s) throws Exception {
        ObjectMapper cbor = new CBORMapper();
        cbor.findAndRegisterModules();
        Move move = !s.history().isEmpty() ? s.history().get(0).move() : s.lineage().isEmpty() ? null : s.lineage().get(s.lineage().size() - 1).accepted();
        if (move == null) return;
        var target = org.mal.policies.ZooIndex.from(new org.mal.core.zoo.Zoo(SearchSettings.ofRun(s.settings()).zoo())).require(move.target());
        var item = new org.mal.actors.WorkItem(s.run(), s.step(), move, "0".repeat(64), s.base(), s.baseBlob(), List.of(target), s.lossLimit(), 1,
                null, "/zoo", "/search/assemblies", SearchSettings.ofRun(s.settings()).withOrigin(s.origin()).evaluation(), 1);
        int itemBytes = cbor.writeValueAsBytes(item).length;
        int resultBytes = cbor.writeValueAsBytes(outcome(move, s.base().dataset().task())).length;
        System.out.printf(Locale.ROOT, "messages per move: work item %d bytes CBOR (cards of depth-8 models), result %d bytes (stub outcome, 11-point curve, "
                + "one task), plus a confirmation of tens of bytes: 3 messages, %.1f KB%n", itemBytes, resultBytes, (itemBytes + resultBytes + 50) / 1024.0);
    }
}
