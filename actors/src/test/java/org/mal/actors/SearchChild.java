package org.mal.actors;

import java.nio.file.Path;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchState;

/**
 * A search in a child JVM, for the kill and SIGTERM tests: {@code start DIR ZOO DELAY_MS} or
 * {@code resume DIR ZOO DELAY_MS} ({@code start-cnn}, {@code resume-cnn}: on {@code CnnSearchFixture}'s CNN zoo). Every move is slowed down by the delay so that a kill lands in
 * the middle of a run.
 */
public final class SearchChild {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path zoo = Path.of(args[2]);
        long delay = Long.parseLong(args[3]);
        Search.Options options = Search.Options.quiet().withRunner(bench -> {
            Worker.Runner real = Worker.runner(bench);
            return item -> {
                Thread.sleep(delay);
                return real.run(item);
            };
        });
        SearchState s = switch (args[0]) {
            case "start" -> Search.start(SearchRunTest.killSettings(zoo), dir, SearchFixture.TASK_FN, options);
            case "start-cnn" -> Search.start(CnnSearchRunTest.settings(zoo), dir, org.mal.engine.CnnSearchFixture.TASK_FN, options);
            case "resume-cnn" -> Search.resume(dir, org.mal.engine.CnnSearchFixture.TASK_FN, options);
            default -> Search.resume(dir, SearchFixture.TASK_FN, options);
        };
        System.out.println("finished " + s.stopped());
        System.exit(0);
    }

    static Process start(Path log, String... args) throws java.io.IOException {
        return ChildJvm.start(SearchChild.class, log, java.util.List.of(), args);
    }
}
