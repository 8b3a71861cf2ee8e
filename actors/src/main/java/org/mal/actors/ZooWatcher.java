package org.mal.actors;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.Zoo;
import org.mal.policies.ZooIndex;

/**
 * Keeps the zoo open-ended: polls the zoo folder every {@code interval} and, when a model file
 * appears, changes or goes, re-indexes the zoo and tells the coordinator which ids came and went.
 * Polling (names, sizes, modification times) rather than a file-system watch service, because it
 * behaves the same on every file system, network mounts included. A file that is still being
 * copied and does not parse yet is skipped by the index and picked up on a later poll, when its
 * size or time changes.
 */
public final class ZooWatcher {
    private ZooWatcher() {}

    public sealed interface Command {}

    /** To the coordinator: the zoo changed; these ids became targets or went away. */
    public record Changed(ZooIndex index, List<String> added, List<String> removed) implements Coordinator.Command {}

    private record Poll() implements Command {}

    private record FileState(long size, long modified) {}

    public static Behavior<Command> create(Zoo zoo, ZooIndex initial, Duration interval, ActorRef<Changed> coordinator) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            timers.startTimerWithFixedDelay(new Poll(), interval);
            return new Object() {
                Map<Path, FileState> files = Map.of();   // the first poll compares the folder with the initial index
                ZooIndex index = initial;
                boolean missing;

                Behavior<Command> behavior() {
                    return Behaviors.receive(Command.class).onMessage(Poll.class, p -> {
                        if (!Files.isDirectory(zoo.dir())) {   // an unmounted or moved folder is not an empty zoo
                            if (!missing) ctx.getLog().warn("the zoo folder {} is not there; keeping the last index", zoo.dir());
                            missing = true;
                            return Behaviors.same();
                        }
                        missing = false;
                        Map<Path, FileState> now = scan(zoo);
                        if (now.equals(files)) return Behaviors.same();
                        ZooIndex next;
                        try {
                            next = ZooIndex.from(zoo);
                        } catch (IOException e) {
                            ctx.getLog().warn("cannot index the zoo {}: {}", zoo.dir(), e.getMessage());
                            return Behaviors.same();
                        }
                        files = now;
                        List<String> added = new ArrayList<>();
                        List<String> removed = new ArrayList<>();
                        for (ModelCard c : next.cards()) {
                            ModelCard old = index.get(c.id()).orElse(null);
                            if (old == null || !old.weightsHash().equals(c.weightsHash())) added.add(c.id());
                        }
                        for (ModelCard c : index.cards()) if (next.get(c.id()).isEmpty()) removed.add(c.id());
                        index = next;
                        if (!added.isEmpty() || !removed.isEmpty()) coordinator.tell(new Changed(next, added, removed));
                        return Behaviors.same();
                    }).build();
                }
            }.behavior();
        }));
    }

    static Map<Path, FileState> scan(Zoo zoo) {
        Map<Path, FileState> out = new HashMap<>();
        if (!Files.isDirectory(zoo.dir())) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(zoo.dir(), "*" + Zoo.EXTENSION)) {
            for (Path p : ds) {
                try {
                    out.put(p, new FileState(Files.size(p), Files.getLastModifiedTime(p).toMillis()));
                } catch (IOException e) {
                    // vanished between listing and stat: not there
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
