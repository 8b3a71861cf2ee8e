package org.mal.bench;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mal.actors.Search;
import org.mal.core.Median;
import org.mal.core.data.DataDir;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;

/**
 * Search throughput: evaluated moves per minute on the default zoo with 1 and with 2 workers (the
 * same search, fresh stores, alternating, {@code rounds} times each; medians), and the cache hit rate
 * when the same search runs a second time in the same store (target: every move a hit).
 *
 * <p>Usage: {@code SearchBench CONF [ROUNDS] [WORKDIR]} with a search configuration such as
 * {@code conf/search-bench.conf}. Data from {@code data/}.
 */
public final class SearchBench {
    public static void main(String[] args) throws Exception {
        // two logback.xml on the classpath (bench's and the app's): say nothing about it
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        if (args.length < 1) throw new IllegalArgumentException("usage: SearchBench CONF [ROUNDS] [WORKDIR]");
        Path conf = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("search-bench");
        DataDir data = new DataDir(Path.of("data"));
        var root = ConfigFactory.parseFile(conf.toFile());
        System.out.printf(Locale.ROOT, "search benchmark: %s, %d rounds, work in %s; OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, %d cores%n",
                conf, rounds, work, System.getenv("OMP_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"),
                Runtime.getRuntime().availableProcessors());

        // warm-up: JIT, ND4J and the data, not measured
        run(root, 2, work.resolve("warmup"), data);

        List<List<Double>> perMinute = List.of(new ArrayList<>(), new ArrayList<>());
        int moves = 0;
        for (int r = 0; r < rounds; r++) {
            for (int w = 1; w <= 2; w++) {
                Path dir = work.resolve("w" + w + "-r" + r);
                long t0 = System.nanoTime();
                SearchState s = run(root, w, dir, data);
                double seconds = (System.nanoTime() - t0) / 1e9;
                moves = s.evaluations();
                perMinute.get(w - 1).add(60.0 * s.evaluations() / seconds);
                System.out.printf(Locale.ROOT, "round %d, %d worker(s): %d moves evaluated, %d cache hits, %.1f s, %.1f moves/min; %s%n",
                        r, w, s.evaluations(), s.cacheHits(), seconds, 60.0 * s.evaluations() / seconds, s.stopped());
            }
        }
        double one = median(perMinute.get(0));
        double two = median(perMinute.get(1));

        Path again = work.resolve("w2-r0");
        long t0 = System.nanoTime();
        SearchState second = run(root, 2, again, data);
        double secondSeconds = (System.nanoTime() - t0) / 1e9;
        int asked = second.evaluations() + second.cacheHits();

        System.out.println();
        System.out.println("| measure | 1 worker | 2 workers | 2 / 1 |");
        System.out.println("| --- | ---: | ---: | ---: |");
        System.out.printf(Locale.ROOT, "| evaluated moves per minute, median of %d (each run: %d moves) | %.1f | %.1f | %.2f |%n",
                rounds, moves, one, two, two / one);
        System.out.println();
        System.out.printf(Locale.ROOT, "same search again in the same store: %d of %d moves from the cache (%.1f%%), %d recomputed, %.1f s%n",
                second.cacheHits(), asked, 100.0 * second.cacheHits() / asked, second.evaluations(), secondSeconds);
    }

    private static SearchState run(com.typesafe.config.Config root, int workers, Path dir, DataDir data) throws Exception {
        SearchSettings s = SearchSettings.from(ConfigFactory.parseString("search.workers = " + workers).withFallback(root));
        return Search.start(s, dir, data::load, Search.Options.quiet());
    }

    private static double median(List<Double> xs) { return Median.of(xs); }
}
