package org.mal.actors;

import org.mal.engine.Outcome;
import org.mal.engine.SearchFixture;

/**
 * A worker node in a child JVM: {@code JOIN PORT DELAY_MS [BLOBS_DIR [BYTES_PER_SECOND]]}; each move
 * slowed by the delay; its blob folder a temporary one unless given.
 */
public final class WorkerChild {
    public static void main(String[] args) throws Exception {
        long delay = Long.parseLong(args[2]);
        java.nio.file.Path blobs = args.length > 3 ? java.nio.file.Path.of(args[3]) : java.nio.file.Files.createTempDirectory("worker-blobs");
        long rate = args.length > 4 ? Long.parseLong(args[4]) : 0;
        var system = WorkerNode.startWith(args[0], "127.0.0.1", Integer.parseInt(args[1]), 1, ClusterSearchTest.STABLE_AFTER, blobs,
                BlobFetcher.Settings.DEFAULT.withBytesPerSecond(rate), cache -> {
                    Worker.Runner real = Worker.remoteRunner(SearchFixture.TASK_FN, cache);
                    return (WorkItem item) -> {
                        System.out.println("start " + item.step());
                        System.out.flush();
                        Thread.sleep(delay);
                        Outcome o = real.run(item);
                        System.out.println("done " + item.step());
                        System.out.flush();
                        return o;
                    };
                });
        System.out.println("started " + system.address());
        system.getWhenTerminated().toCompletableFuture().get();
    }

    static Process start(java.nio.file.Path log, String... args) throws java.io.IOException {
        return ChildJvm.start(WorkerChild.class, log, java.util.List.of("-D" + ClusterSearchTest.PAUSE_PROPERTY + "=" + ClusterSearchTest.PAUSE), args);
    }
}
