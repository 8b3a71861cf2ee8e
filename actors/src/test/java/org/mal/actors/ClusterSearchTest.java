package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchEvent;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchFolder;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchState;

/**
 * A search whose moves are evaluated only by worker nodes on loopback: one in this JVM, one in a
 * child JVM that is killed with SIGKILL mid-run; both get the models as blobs from the search's node
 * (each its own folder). The search completes; every planned move has
 * exactly one result in the journal; the accepted assemblies are those of a local run.
 */
class ClusterSearchTest {
    @TempDir Path dir;

    /**
     * On 2 busy cores (a JVM starting, ND4J working) heartbeats come late: Pekko's default pause of
     * 3 s got the starting child downed before it did any work. These tests allow 8 s.
     */
    static final String PAUSE_PROPERTY = "pekko.cluster.failure-detector.acceptable-heartbeat-pause";
    static final String PAUSE = "8s";
    static final double STABLE_AFTER = 3;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aWorkerNodeKilledMidRunLosesNoMoveAndDuplicatesNoAcceptance() throws Exception {
        System.setProperty(PAUSE_PROPERTY, PAUSE);
        com.typesafe.config.ConfigFactory.invalidateCaches();
        Zoo zoo = SearchFixture.zoo(dir.resolve("zoo"));
        int seedPort = freePort();
        int localPort = freePort();
        int childPort = freePort();
        String extra = "search { budget { steps = 6 }, cluster { enabled = true, port = " + seedPort
                + ", local-workers = false, stable-after-seconds = " + STABLE_AFTER + " } }";
        SearchSettings settings = SearchFixture.settings(zoo.dir(), extra);

        java.util.function.Function<BlobCache, Worker.Runner> slow = cache -> {
            Worker.Runner remote = Worker.remoteRunner(SearchFixture.TASK_FN, cache);
            return item -> {
                Thread.sleep(400);
                return remote.run(item);
            };
        };
        Process child = WorkerChild.start(dir.resolve("child.log"), "127.0.0.1:" + seedPort, String.valueOf(childPort), "400");
        long up = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count(dir.resolve("child.log"), "started ") == 0) {   // the child JVM is up and trying to join
            assertTrue(System.nanoTime() < up && child.isAlive(), "the worker child did not start: " + Files.readString(dir.resolve("child.log")));
            Thread.sleep(50);
        }
        var node = WorkerNode.startWith("127.0.0.1:" + seedPort, "127.0.0.1", localPort, 1, STABLE_AFTER, dir.resolve("blobs-local"),
                BlobFetcher.Settings.DEFAULT, slow);
        try {
            CompletableFuture<SearchState> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return Search.start(settings, dir.resolve("search"), SearchFixture.TASK_FN, Search.Options.quiet());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Path status = dir.resolve("search").resolve(Reporter.STATUS_FILE);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            // kill the child once it has finished a move and started another: a move is in flight on it
            while (!(count(dir.resolve("child.log"), "done ") >= 1
                    && count(dir.resolve("child.log"), "start ") > count(dir.resolve("child.log"), "done "))) {
                assertTrue(System.nanoTime() < deadline, "no progress; child log: " + Files.readString(dir.resolve("child.log")));
                assertTrue(child.isAlive(), "the worker child died: " + Files.readString(dir.resolve("child.log")));
                Thread.sleep(20);
            }
            child.toHandle().destroyForcibly();   // SIGKILL: the node vanishes with its move in flight
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            SearchState s = run.get(180, TimeUnit.SECONDS);
            assertEquals("budget: 6 steps", s.stopped());

            List<SearchEvent> events = SearchFolder.inspect(dir.resolve("search")).runs().get(0);
            int planned = 0;
            int results = 0;
            Set<String> seen = new HashSet<>();
            Set<String> workers = new HashSet<>();
            for (SearchEvent e : events) {
                if (e instanceof SearchEvent.StepPlanned p) planned += p.moves().size();
                if (e instanceof SearchEvent.MoveEvaluated m) {
                    assertTrue(seen.add(m.step() + "|" + m.move()), "two results for one move");
                    workers.add(m.worker().substring(0, m.worker().indexOf('/')));
                    results++;
                }
                if (e instanceof SearchEvent.MoveFailed f && f.giveUp()) {
                    assertTrue(seen.add(f.step() + "|" + f.move()), "two results for one move");
                    results++;
                }
            }
            assertEquals(planned, results, "every planned move has exactly one result");
            assertTrue(workers.contains("127.0.0.1:" + childPort), "the killed node had delivered results: " + workers);
            assertTrue(workers.contains("127.0.0.1:" + localPort), "the surviving node took over: " + workers);
            try (var blobs = Files.list(dir.resolve("blobs-local"))) {   // search.cluster.files = transfer, the default: nothing shared
                assertTrue(blobs.anyMatch(f -> f.getFileName().toString().matches("[0-9a-f]{64}")), "the surviving node fetched its models as blobs");
            }
            Set<String> hashes = new HashSet<>(SearchRunTest.lineage(s));
            assertEquals(s.lineage().size(), hashes.size(), "no assembly accepted twice");

            SearchState local = Search.start(SearchFixture.settings(zoo.dir(), "search.budget.steps = 6"), dir.resolve("local"),
                    SearchFixture.TASK_FN, Search.Options.quiet());
            assertEquals(SearchRunTest.lineage(local), SearchRunTest.lineage(s), "the same assemblies as a search in one JVM");
        } finally {
            System.clearProperty(PAUSE_PROPERTY);
            com.typesafe.config.ConfigFactory.invalidateCaches();
            child.destroyForcibly();
            node.terminate();
            node.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }

    private static long count(Path log, String prefix) {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.startsWith(prefix)).count();
        } catch (Exception e) {
            return 0;
        }
    }
}
