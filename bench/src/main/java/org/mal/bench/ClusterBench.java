package org.mal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.mal.actors.Search;
import org.mal.core.Median;
import org.mal.core.data.DataDir;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;

/**
 * Moves per minute with 2 workers in the search's own JVM against 2 worker nodes (separate JVMs, one
 * worker each, joined over loopback through Pekko Cluster), the same search, alternating, {@code rounds}
 * times each; and the sizes of the messages of one move (work item and result) in CBOR, as Jackson
 * writes them for Pekko.
 *
 * <p>Usage: {@code ClusterBench CONF [ROUNDS] [WORKDIR]}; data from {@code data/}. Worker nodes are
 * started as {@code java -cp <this classpath> org.mal.cli.Main worker --join ...}.
 */
public final class ClusterBench {
    public static void main(String[] args) throws Exception {
        System.setProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener");
        Path conf = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path work = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("cluster-bench");
        DataDir data = new DataDir(Path.of("data"));
        var root = ConfigFactory.parseFile(conf.toFile());
        System.out.printf(Locale.ROOT, "cluster benchmark: %s, %d rounds, work in %s; OMP_NUM_THREADS=%s, %d cores%n", conf, rounds, work,
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors());
        run(root, false, work.resolve("warmup"), data);
        List<Double> oneNode = new ArrayList<>();
        List<Double> twoNodes = new ArrayList<>();
        SearchState last = null;
        for (int r = 0; r < rounds; r++) {
            for (boolean cluster : new boolean[] {false, true}) {
                SearchState s = run(root, cluster, work.resolve((cluster ? "nodes" : "local") + "-r" + r), data);
                double sec = lastSeconds;
                double perMin = 60.0 * s.evaluations() / sec;
                (cluster ? twoNodes : oneNode).add(perMin);
                System.out.printf(Locale.ROOT, "round %d, %s: %d moves, %.1f s, %.1f moves/min; %s%n", r,
                        cluster ? "2 worker nodes" : "2 workers in the search's JVM", s.evaluations(), sec, perMin, s.stopped());
                last = s;
            }
        }
        double a = median(oneNode);
        double b = median(twoNodes);
        System.out.println();
        System.out.println("| workers | moves/min, median | ratio |");
        System.out.println("| --- | ---: | ---: |");
        System.out.printf(Locale.ROOT, "| 2 in the search's JVM | %.1f | 1 |%n", a);
        System.out.printf(Locale.ROOT, "| 2 worker nodes (1 worker each, loopback) | %.1f | %.2f |%n", b, b / a);

        // message sizes of one move
        ObjectMapper cbor = new CBORMapper();
        cbor.findAndRegisterModules();
        var events = SearchFolder.inspect(work.resolve("nodes-r0")).runs().get(0);
        List<Integer> results = new ArrayList<>();
        for (SearchEvent e : events) if (e instanceof SearchEvent.MoveEvaluated m) results.add(cbor.writeValueAsBytes(m.outcome()).length);
        SearchState s = last;
        var item = new org.mal.actors.WorkItem(1, 0, events.stream().filter(e -> e instanceof SearchEvent.StepPlanned)
                .map(e -> ((SearchEvent.StepPlanned) e).moves().get(0)).findFirst().orElseThrow(), "0".repeat(64), s.origin(), null, List.of(s.origin()), 0.3, 1,
                null,
                "/zoo", "/search/assemblies", SearchSettings.ofRun(s.settings()).evaluation(), 1);
        System.out.printf(Locale.ROOT, "work item (without the reply-to address): %d bytes CBOR; result (outcome with curves on %s): median %d bytes%n",
                cbor.writeValueAsBytes(item).length, "1-2 tasks", median(results.stream().map(Integer::doubleValue).toList()).intValue());
    }

    /** Seconds of the last {@link #run}'s search, from start to stop (worker JVMs already up). */
    static double lastSeconds;

    private static SearchState timed(SearchSettings s, Path dir, DataDir data) throws Exception {
        long t0 = System.nanoTime();
        SearchState st = Search.start(s, dir, data::load, Search.Options.quiet());
        lastSeconds = (System.nanoTime() - t0) / 1e9;
        return st;
    }

    private static SearchState run(com.typesafe.config.Config root, boolean cluster, Path dir, DataDir data) throws Exception {
        if (!cluster) {
            SearchSettings s = SearchSettings.from(ConfigFactory.parseString("search.workers = 2").withFallback(root));
            return timed(s, dir, data);
        }
        int seed = freePort();
        SearchSettings s = SearchSettings.from(ConfigFactory.parseString("search { workers = 2, cluster { enabled = true, port = " + seed
                + ", local-workers = false } }").withFallback(root));
        List<Process> nodes = new ArrayList<>();
        try {
            for (int k = 0; k < 2; k++) {
                ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-cp",
                        System.getProperty("java.class.path"), "org.mal.cli.Main", "worker", "--join", "127.0.0.1:" + seed, "--port",
                        String.valueOf(freePort()), "--workers", "1").redirectErrorStream(true)
                        .redirectOutput(dir.resolveSibling(dir.getFileName() + "-node" + k + ".log").toFile());
                Files.createDirectories(dir.getParent());
                pb.environment().put("OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "1"));
                pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
                nodes.add(pb.start());
            }
            Thread.sleep(4000);   // the nodes' JVMs start (they join as soon as the search's node is up)
            return timed(s, dir, data);
        } finally {
            for (Process p : nodes) {
                p.destroy();
                p.waitFor();
            }
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Double median(List<Double> xs) { return Median.of(xs); }
}
